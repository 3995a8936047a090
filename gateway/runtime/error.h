/*
 * error.h — the gateway's one error idiom: functions that can fail return 0
 * or a negative GW_E* code (constructors return NULL when out of memory, and
 * say so). The libraries below keep their own codes (GQL_E* in the engine,
 * GW_STORE_E* in the projections); a caller that passes one of those up
 * maps it to the nearest GW_E*. A code is never shown to a client: the client
 * gets "internal error" (or a message written for it), the log the detail.
 */
#ifndef GW_ERROR_H
#define GW_ERROR_H

#define GW_OK 0
#define GW_ENOMEM (-1)   /* out of memory */
#define GW_EFULL (-2)    /* a fixed-size table or a configured bound is full */
#define GW_EINVAL (-3)   /* a bad argument or a missing piece (a schema without a field, ...) */
#define GW_ESYS (-4)     /* the operating system refused (socket, thread, eventfd; errno says why) */
#define GW_EREQUEST (-5) /* the client's request is wrong: the errors were written for the client */

#endif
