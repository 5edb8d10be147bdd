/* SPDX-License-Identifier: BSD-3-Clause */
#include "kat.h"

#define AB16 "abababababababababababababababab"

/* RFC 3711 Appendix B.3 and RFC 6188 section 7.2 */
const struct ms_kat_kdf ms_kat_kdf_vectors[] = {
	{
		.ref = "RFC 3711 B.3 cipher key",
		.master_key = "E1F97A0D3E018BE0D64FA32C06DE4139",
		.master_salt = "0EC675AD498AFEEBB6960B3AABE6",
		.label = 0x00,
		.expected = "C61E7A93744F39EE10734AFE3FF7A087",
	},
	{
		.ref = "RFC 3711 B.3 cipher salt",
		.master_key = "E1F97A0D3E018BE0D64FA32C06DE4139",
		.master_salt = "0EC675AD498AFEEBB6960B3AABE6",
		.label = 0x02,
		.expected = "30CBBC08863D8C85D49DB34A9AE1",
	},
	{
		.ref = "RFC 3711 B.3 auth key (94 octets)",
		.master_key = "E1F97A0D3E018BE0D64FA32C06DE4139",
		.master_salt = "0EC675AD498AFEEBB6960B3AABE6",
		.label = 0x01,
		.expected = "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE"
			    "E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25"
			    "6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2",
	},
	{
		.ref = "RFC 6188 7.2 AES-256 cipher key",
		.master_key = "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
		.master_salt = "3b04803de51ee7c96423ab5b78d2",
		.label = 0x00,
		.expected = "5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4",
	},
	{
		.ref = "RFC 6188 7.2 AES-256 cipher salt",
		.master_key = "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
		.master_salt = "3b04803de51ee7c96423ab5b78d2",
		.label = 0x02,
		.expected = "fa31791685ca444a9e07c6c64e93",
	},
	{
		.ref = "RFC 6188 7.2 AES-256 auth key",
		.master_key = "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
		.master_salt = "3b04803de51ee7c96423ab5b78d2",
		.label = 0x01,
		.expected = "fd9c32d39ed5fbb5a9dc96b30818454d1313dc05",
	},
};
const size_t ms_kat_nb_kdf = RTE_DIM(ms_kat_kdf_vectors);

/* RFC 3711 Appendix B.2 and RFC 6188 section 7.1: a 65282-block keystream segment */
const struct ms_kat_keystream ms_kat_keystream_vectors[] = {
	{
		.ref = "RFC 3711 B.2 AES-128-CM keystream",
		.key = "2B7E151628AED2A6ABF7158809CF4F3C",
		.iv = "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000",
		.nb_blocks = 65282,
		.first = "E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB"
			 "41E95B3BB0A2E8DD477901E4FCA894C0",
		.last = "EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE"
			"6A2CC3787889374FBEB4C81B17BA6C44",
	},
	{
		.ref = "RFC 6188 7.1 AES-256-CM keystream",
		.key = "57f82fe3613fd170a85ec93c40b1f0922ec4cb0dc025b58272147cc438944a98",
		.iv = "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000",
		.nb_blocks = 65282,
		.first = "92bdd28a93c3f52511c677d08b5515a4 9da71b2378a854f67050756ded165bac"
			 "63c4868b7096d88421b563b8c94c9a31",
		.last = "cea518c90fd91ced9cbb18c078a54711 3dbc4814f4da5f00a08772b63c6a046d"
			"6eb246913062a16891433e97dd01a57f",
	},
};
const size_t ms_kat_nb_keystream = RTE_DIM(ms_kat_keystream_vectors);

#define RFC7714_KEY128 "000102030405060708090a0b0c0d0e0f"
#define RFC7714_KEY256 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define RFC7714_SALT "517569642070726f2071756f" /* "Quid pro quo" */
#define RFC7714_RTP "8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e6973"        \
		    "20646976697361 20696e207061727465732074726573"
#define RFC7714_RTCP "81c8000d4d617273 4e5450314e545032525450200000042a0000e9304c756e61" \
		     "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"

#define LIBSRTP_KEY "e1f97a0d3e018be0d64fa32c06de4139"
#define LIBSRTP_SALT "0ec675ad498afeebb6960b3aabe6"
#define LIBSRTP_RTP "800f1234decafbadcafebabe" AB16
#define LIBSRTP_RTCP "81c8000bcafebabe" AB16

const struct ms_kat_packet ms_kat_packet_vectors[] = {
	/* RFC 7714 section 16: SRTP with session key and salt given directly, ROC 0 */
	{
		.ref = "RFC 7714 16.1 SRTP AEAD_AES_128_GCM",
		.suite = MS_SUITE_AEAD_AES_128_GCM,
		.session_keys = true,
		.key = RFC7714_KEY128,
		.salt = RFC7714_SALT,
		.plain = RFC7714_RTP,
		.protected = "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd5"
			     "0d294e6f42a5f47a51c7d19b36de3adf8833 899d7f27beb16a9152cf765ee4390cce",
	},
	{
		.ref = "RFC 7714 16.2 SRTP AEAD_AES_256_GCM",
		.suite = MS_SUITE_AEAD_AES_256_GCM,
		.session_keys = true,
		.key = RFC7714_KEY256,
		.salt = RFC7714_SALT,
		.plain = RFC7714_RTP,
		.protected = "8040f17b8041f8d35501a0b2 32b1de78a822fe12ef9f78fa332e33aab1801238"
			     "9a58e2f3b50b2a0276ffae0f1ba63799b87b 7aa3db36dfffd6b0f9bb7878d7a76c13",
	},
	/* RFC 7714 section 17: SRTCP, index 0x5d4, with and without encryption */
	{
		.ref = "RFC 7714 17.1 SRTCP AEAD_AES_128_GCM encrypted",
		.suite = MS_SUITE_AEAD_AES_128_GCM,
		.rtcp = true,
		.session_keys = true,
		.key = RFC7714_KEY128,
		.salt = RFC7714_SALT,
		.rtcp_index = 0x5d4,
		.plain = RFC7714_RTCP,
		.protected = "81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32d"
			     "c676a5f1730d6fda4ce09b4686303ded0bb9275b c84aa45896cf4d2fc5abf87245d9eade"
			     "800005d4",
	},
	{
		.ref = "RFC 7714 17.2 SRTCP AEAD_AES_256_GCM encrypted",
		.suite = MS_SUITE_AEAD_AES_256_GCM,
		.rtcp = true,
		.session_keys = true,
		.key = RFC7714_KEY256,
		.salt = RFC7714_SALT,
		.rtcp_index = 0x5d4,
		.plain = RFC7714_RTCP,
		.protected = "81c8000d4d617273 d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50"
			     "a2eaa5c1110555be8415f658c61de0476f1b6fad 1d1eb30c4446839f57ff6f6cb26ac3be"
			     "800005d4",
	},
	{
		.ref = "RFC 7714 17.3 SRTCP AEAD_AES_128_GCM tag only",
		.suite = MS_SUITE_AEAD_AES_128_GCM,
		.rtcp = true,
		.session_keys = true,
		.rtcp_unencrypted = true,
		.key = RFC7714_KEY128,
		.salt = RFC7714_SALT,
		.rtcp_index = 0x5d4,
		.plain = RFC7714_RTCP,
		.protected = RFC7714_RTCP " 841dd9683dd78ec92ae58790125f62b3 000005d4",
	},
	{
		.ref = "RFC 7714 17.4 SRTCP AEAD_AES_256_GCM tag only",
		.suite = MS_SUITE_AEAD_AES_256_GCM,
		.rtcp = true,
		.session_keys = true,
		.rtcp_unencrypted = true,
		.key = RFC7714_KEY256,
		.salt = RFC7714_SALT,
		.rtcp_index = 0x5d4,
		.plain = RFC7714_RTCP,
		.protected = RFC7714_RTCP " 91db4afbfeee5a978fab4393ed2615fe 000005d4",
	},
	/*
	 * libsrtp test/srtp_driver.c srtp_validate*(): whole packets through the
	 * RFC 3711 KDF from a master key, SSRC 0xcafebabe, first packet.
	 */
	{
		.ref = "libsrtp srtp_validate AES_CM_128_HMAC_SHA1_80 SRTP",
		.suite = MS_SUITE_AES_CM_128_HMAC_SHA1_80,
		.key = LIBSRTP_KEY,
		.salt = LIBSRTP_SALT,
		.plain = LIBSRTP_RTP,
		.protected = "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402"
			     "b78d6acc99ea179b8dbb",
	},
	{
		.ref = "libsrtp srtp_validate AES_CM_128_HMAC_SHA1_80 SRTCP",
		.suite = MS_SUITE_AES_CM_128_HMAC_SHA1_80,
		.rtcp = true,
		.key = LIBSRTP_KEY,
		.salt = LIBSRTP_SALT,
		.rtcp_index = 1,
		.plain = LIBSRTP_RTCP,
		.protected = "81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001"
			     "993e08cd54d6c1230798",
	},
	{
		.ref = "libsrtp srtp_validate_null NULL_HMAC_SHA1_80 SRTP",
		.suite = MS_SUITE_NULL_HMAC_SHA1_80,
		.key = LIBSRTP_KEY,
		.salt = LIBSRTP_SALT,
		.plain = LIBSRTP_RTP,
		.protected = LIBSRTP_RTP " aba136270b679134ce9b",
	},
	{
		.ref = "libsrtp srtp_validate_null NULL_HMAC_SHA1_80 SRTCP",
		.suite = MS_SUITE_NULL_HMAC_SHA1_80,
		.rtcp = true,
		.key = LIBSRTP_KEY,
		.salt = LIBSRTP_SALT,
		.rtcp_index = 1,
		.plain = LIBSRTP_RTCP,
		.protected = LIBSRTP_RTCP " 00000001 fe88c7fdfd37ebce615d",
	},
	{
		.ref = "libsrtp srtp_validate_aes_256 AES_256_CM_HMAC_SHA1_80 SRTP",
		.suite = MS_SUITE_AES_256_CM_HMAC_SHA1_80,
		.key = "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
		.salt = "3b04803de51ee7c96423ab5b78d2",
		.plain = LIBSRTP_RTP,
		.protected = "800f1234decafbadcafebabe f1d9de17ff251ff1aa007774b0b4b40d"
			     "a08d9d9a5b3a55d8873b",
	},
	{
		.ref = "libsrtp srtp_validate_gcm AEAD_AES_128_GCM SRTP",
		.suite = MS_SUITE_AEAD_AES_128_GCM,
		.key = "000102030405060708090a0b0c0d0e0f",
		.salt = "a0a1a2a3a4a5a6a7a8a9aaab",
		.plain = LIBSRTP_RTP,
		.protected = "800f1234decafbadcafebabe c5002ede04cfdd2eb91159e0880aa06e"
			     "d2976826f796b201df3131a127e8a392",
	},
	{
		.ref = "libsrtp srtp_validate_gcm AEAD_AES_128_GCM SRTCP",
		.suite = MS_SUITE_AEAD_AES_128_GCM,
		.rtcp = true,
		.key = "000102030405060708090a0b0c0d0e0f",
		.salt = "a0a1a2a3a4a5a6a7a8a9aaab",
		.rtcp_index = 1,
		.plain = LIBSRTP_RTCP,
		.protected = "81c8000bcafebabe c98b8b5df0392a55852b6c21ac8e7025"
			     "c52c6fbea2b3b446ea31123ba88ce61e 80000001",
	},
};
const size_t ms_kat_nb_packet = RTE_DIM(ms_kat_packet_vectors);
