/*
 * utf8 - strict UTF-8 sequences (see utf8.h).
 */
#include "util/utf8.h"

#include <stdint.h>
#include <string.h>

#include "util/xalloc.h"

size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    uint32_t cp, min;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

char *utf8_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, bad = 0, l;

    for (i = 0; i < n; i += l ? l : 1)
        if ((l = utf8_seq(p + i, n - i)) == 0)
            bad++;
    if (bad == 0)
        return NULL;
    /* each bad byte becomes the 3 bytes of U+FFFD */
    char *out = xmalloc(n + 2 * bad + 1), *o = out;
    for (i = 0; i < n; i += l ? l : 1) {
        if ((l = utf8_seq(p + i, n - i)) == 0) {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
        } else {
            memcpy(o, p + i, l);
            o += l;
        }
    }
    *o = '\0';
    return out;
}
