/*
 * xcp_legacy - the pieces of OpenSRS' legacy protocol (raw TCP, port
 * 55000; shared/opensrs-xcp.md §2) that the client and opensrs-sim share:
 * the Content-Length framing, the cipher (Blowfish or DES in CBC mode
 * under a key derived from the reseller key) and the challenge answer.
 * Pure: no sockets.
 *
 * Framing: every message in both directions is
 *   "Content-Length: N\r\n\r\n" followed by exactly N bytes.
 * xcp_legacy_frame writes exactly that; xcp_legacy_unframe accepts what
 * the old clients' readers accept and a little more: leading blank
 * lines, the header name in any case, spaces or tabs around the number,
 * CRLF or bare LF line ends.
 *
 * Cipher (Crypt::CBC 1.x "RandomIV" compatible, §2.4):
 *   bin = hex-decode(key text)
 *   M = MD5(bin); while len(M) < keysize: M = M || MD5(M); K = M[0:keysize]
 *   keysize 56 (Blowfish) or 8 (DES)
 *   payload = "RandomIV" || IV (8 bytes) || CBC(K, IV, PKCS#5-padded text)
 * Decryption takes the IV from the payload. Padding is stripped by its
 * last byte (1..8) without demanding that every pad byte be equal, and a
 * pad whose first byte is n followed by n-1 zero bytes (what H-Sphere's
 * encoder writes) is accepted as well.
 *
 * The ciphers come from OpenSSL 3's "legacy" provider (Blowfish and DES
 * are not in the default one), loaded into a library context of our own
 * so that nothing else in the process (curl's TLS) sees it.
 */
#ifndef RM_XCP_XCP_LEGACY_H
#define RM_XCP_XCP_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

/* The largest frame body either side accepts: an OPS document of
 * XCP_MAX_BODY bytes, encrypted (header, IV, padding). */
#define XCP_LEGACY_MAX_FRAME (8u * 1024u * 1024u + 64u)
/* The longest frame header accepted before the blank line. */
#define XCP_LEGACY_MAX_HEADER 128u
/* Commands one session may carry (OpenSRS code 350 after that). */
#define XCP_LEGACY_SESSION_MAX 100

enum xcp_legacy_crypt { XCP_LEGACY_BLOWFISH, XCP_LEGACY_DES };

/* "blowfish" / "des": the crypt_type values on the wire (lower case). */
const char *xcp_legacy_crypt_name(enum xcp_legacy_crypt c);
/* xcp_legacy_crypt_parse - case-insensitive "blowfish" or "des". */
bool xcp_legacy_crypt_parse(const char *s, enum xcp_legacy_crypt *out);

struct xcp_legacy_cipher;

/*
 * xcp_legacy_cipher_new - a cipher keyed from hexkey (the reseller key as
 * text: an even number of hex digits). Blowfish takes any key of 1-56
 * bytes (OpenSRS keys are 56); DES takes any (the derived key is 8
 * bytes). NULL with err set when the key is not hex or the cipher cannot
 * be loaded.
 */
struct xcp_legacy_cipher *xcp_legacy_cipher_new(enum xcp_legacy_crypt c,
                                                const char *hexkey,
                                                struct rm_err *err);
void xcp_legacy_cipher_free(struct xcp_legacy_cipher *c);

/* xcp_legacy_encrypt - append "RandomIV" || iv || ciphertext of text to
 * out. iv NULL: a fresh random one. */
int xcp_legacy_encrypt(struct xcp_legacy_cipher *c, const void *text,
                       size_t len, const uint8_t *iv, struct buf *out,
                       struct rm_err *err);

/* xcp_legacy_decrypt - append the plaintext of a payload to out. Fails
 * (RM_EPROTO) on a missing "RandomIV" header, a ciphertext that is not a
 * whole number of blocks, or padding that cannot be right. */
int xcp_legacy_decrypt(struct xcp_legacy_cipher *c, const void *payload,
                       size_t len, struct buf *out, struct rm_err *err);

/* xcp_legacy_is_encrypted - does the payload start with "RandomIV"? */
bool xcp_legacy_is_encrypted(const void *payload, size_t len);

/* xcp_legacy_frame - append "Content-Length: N\r\n\r\n" and the bytes. */
void xcp_legacy_frame(struct buf *out, const void *p, size_t len);
/* xcp_legacy_frame_header - append only the header (the truncating
 * fault claims more bytes than it sends). */
void xcp_legacy_frame_header(struct buf *out, size_t claim);

/*
 * xcp_legacy_unframe - look for one whole frame at the start of buf.
 * Returns the bytes it occupies (> 0) with *body_off / *body_len set,
 * 0 when more bytes are needed, or a negative rm_errcode: RM_EPROTO (not
 * a Content-Length header), RM_ELIMIT (header or body over the limits;
 * max_body 0 means XCP_LEGACY_MAX_FRAME).
 */
long xcp_legacy_unframe(const char *buf, size_t len, size_t max_body,
                        size_t *body_off, size_t *body_len, struct rm_err *err);

/* xcp_legacy_challenge_answer - the client's answer to a challenge: the
 * raw 16-byte MD5 of the challenge bytes, encrypted (40 bytes with the
 * header and one block of padding). */
int xcp_legacy_challenge_answer(struct xcp_legacy_cipher *c,
                                const void *challenge, size_t len,
                                struct buf *out, struct rm_err *err);

/* xcp_legacy_challenge_check - does payload decrypt to the MD5 of the
 * challenge? (Constant-time comparison.) */
bool xcp_legacy_challenge_check(struct xcp_legacy_cipher *c,
                                const void *challenge, size_t len,
                                const void *payload, size_t plen);

/* xcp_legacy_random - n random bytes (challenges, IVs). */
void xcp_legacy_random(void *p, size_t n);

#endif
