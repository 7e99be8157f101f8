/* http_negotiate.h — reading the request headers that choose a
 * representation (Accept-Encoding) and make a request conditional
 * (If-None-Match), RFC 9110 §§ 12.5.3 and 13.1.2. Pure string functions:
 * the caller copies the header's value out of the request. */
#ifndef HB_NET_HTTP_NEGOTIATE_H
#define HB_NET_HTTP_NEGOTIATE_H

/* 1 when an Accept-Encoding value takes coding ("gzip"; "x-gzip" counts
 * as gzip): named with a q-value above 0, or not named and "*" is, with
 * a q-value above 0. A named coding wins over "*" whatever their order;
 * "gzip;q=0" refuses it, as does a q-value that cannot be read. 0
 * otherwise, also for NULL (no header: the server sends identity). */
int http_accepts_coding(const char *accept_encoding, const char *coding);

/* 1 when an If-None-Match value lists etag (quoted, as sent in ETag) or
 * is "*". The comparison is the weak one RFC 9110 asks for here: a
 * "W/" prefix is ignored. 0 otherwise, and for NULL. */
int http_etag_listed(const char *if_none_match, const char *etag);

#endif
