/*
 * client/http - the client's HTTPS transport to pouchd (libcurl, TLS 1.3,
 * pinned server key).  Being written; see client.h.
 */
