/*
 * file.h — reading a whole file at start-up (the schema, the static pages).
 */
#ifndef GW_FILE_H
#define GW_FILE_H

#include <stddef.h>

/* The whole file at `path` in a malloc'd NUL-terminated buffer (the
 * caller frees it), its length in *len. NULL with errno set on failure. */
char *gw_read_file(const char *path, size_t *len);

#endif
