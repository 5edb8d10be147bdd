/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration: the built-in default, good files, and a clear error for each bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "ms_test.h"

static void
test_builtin_default(void **state)
{
	struct ms_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(ms_config_load(NULL, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.crypto.engine->name, "ipsec-mb");
	assert_int_equal(cfg.crypto.replay_window, 128);
}

static void
test_file(void **state)
{
	char path[] = "/tmp/mstest-conf-XXXXXX";
	int fd = mkstemp(path);
	struct ms_config cfg;
	char err[256] = "";
	const char *text = "crypto = { engine = \"libsrtp2\"; replay_window = 1024; };\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(ms_config_load(path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.crypto.engine->name, "libsrtp2");
	assert_int_equal(cfg.crypto.replay_window, 1024);
	unlink(path);
}

static void
expect_error(const char *text, const char *mention)
{
	struct ms_config cfg;
	char err[256] = "";

	if (ms_config_parse(text, &cfg, err, sizeof(err)) != -EINVAL)
		fail_msg("accepted: %s", text);
	if (strstr(err, mention) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err, mention);
}

static void
test_errors_name_the_setting(void **state)
{
	(void)state;
	expect_error("crypto = { engine = \"openssl\"; };", "crypto.engine 'openssl'");
	expect_error("crypto = { engine = 3; };", "crypto.engine must be a string");
	expect_error("crypto = { replay_window = 32; };", "crypto.replay_window 32");
	expect_error("crypto = { replay_window = 100000; };", "64..8192");
	expect_error("crypto = { replay_window = \"big\"; };", "must be an integer");
	expect_error("crypto = { replay_windw = 128; };", "unknown setting 'crypto.replay_windw'");
	expect_error("cryptoo = { };", "unknown setting 'cryptoo'");
	expect_error("crypto = 5;", "crypto must be a group");
	expect_error("crypto = {\n\n engine = ipsec-mb;\n};", "line 3");
}

static void
test_missing_file(void **state)
{
	struct ms_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(ms_config_load("/nonexistent/mediasec.conf", &cfg, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/mediasec.conf"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_default),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_errors_name_the_setting),
		cmocka_unit_test(test_missing_file),
	};

	ms_test_init(argc, argv);
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
