/* host_files.h: what the shared file code (host_files.c: hashing a file,
 * staging a package) needs from each host: a SHA-256 that the Windows host
 * takes from the operating system (BCrypt) and the simulation host from
 * core/sha256.h. Not for use outside src/host.
 */
#ifndef MSIQ_HOST_FILES_H
#define MSIQ_HOST_FILES_H

#include "host/host.h"

typedef struct host_sha256 host_sha256;

/* A new hash, or NULL (with diag filled) when none can be made. */
host_sha256 *host_sha256_begin(msiq_diag *diag);
int host_sha256_update(host_sha256 *hash, const void *bytes, size_t count,
                       msiq_diag *diag);
/* Writes the digest in hex and frees the hash; with hex NULL it only
 * frees it. */
int host_sha256_end(host_sha256 *hash, char hex[MSIQ_SHA256_HEX_SIZE],
                    msiq_diag *diag);

#endif /* MSIQ_HOST_FILES_H */
