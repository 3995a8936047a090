/*
 * records.c — the record types' names, UUID text form, events' memory and the
 * error strings of the events library.
 */
#include "events_int.h"
#include "store.h" /* gw_uuidstr_*: the UUID text form */

#include <stdlib.h>
#include <string.h>

static const char *const rec_names[GW_REC__COUNT] = {
    [GW_REC_HEARTBEAT] = "Heartbeat",
    [GW_REC_CONFIRM_ACCOUNT_CREATION] = "ConfirmAccountCreation",
    [GW_REC_ACCOUNT_CREATION_CONFIRMED] = "AccountCreationConfirmed",
    [GW_REC_ACCOUNT_CREATION_FAILED] = "AccountCreationFailed",
    [GW_REC_CONFIRM_MONEY_TRANSFER] = "ConfirmMoneyTransfer",
    [GW_REC_MONEY_TRANSFER_CONFIRMED] = "MoneyTransferConfirmed",
    [GW_REC_MONEY_TRANSFER_FAILED] = "MoneyTransferFailed",
    [GW_REC_BALANCE_CHANGED] = "BalanceChanged",
};

#define NAMESPACE_DOT "nl.openweb.data."

const char *gw_rec_name(gw_rec_type_t type)
{
    if ((unsigned)type >= GW_REC__COUNT)
        return NULL;
    return rec_names[type];
}

int gw_rec_by_name(const char *name)
{
    if (name == NULL)
        return -1;
    if (strncmp(name, NAMESPACE_DOT, strlen(NAMESPACE_DOT)) == 0)
        name += strlen(NAMESPACE_DOT);
    for (int i = 0; i < GW_REC__COUNT; i++)
        if (strcmp(name, rec_names[i]) == 0)
            return i;
    return -1;
}

/* The text form is the store's (gateway/store/uuid.c): one implementation. */
void gw_uuid_format(const gw_uuid_t *u, char out[GW_UUID_STRLEN + 1])
{
    gw_uuidstr_format(u->b, out);
}

int gw_uuid_parse(const char *s, gw_uuid_t *u)
{
    if (s == NULL || gw_uuidstr_parse(s, strlen(s), u->b) != 0)
        return GW_EV_EINVAL;
    return 0;
}

void gw_event_clear(gw_event_t *ev)
{
    if (ev == NULL)
        return;
    free(ev->_mem);
    memset(ev, 0, sizeof(*ev));
}

const gw_uuid_t *gw_event_id(const gw_event_t *ev)
{
    switch (ev->type) {
    case GW_REC_CONFIRM_ACCOUNT_CREATION:
        return &ev->u.confirm_account_creation.id;
    case GW_REC_ACCOUNT_CREATION_CONFIRMED:
        return &ev->u.account_creation_confirmed.id;
    case GW_REC_ACCOUNT_CREATION_FAILED:
        return &ev->u.account_creation_failed.id;
    case GW_REC_CONFIRM_MONEY_TRANSFER:
        return &ev->u.confirm_money_transfer.id;
    case GW_REC_MONEY_TRANSFER_CONFIRMED:
        return &ev->u.money_transfer_confirmed.id;
    case GW_REC_MONEY_TRANSFER_FAILED:
        return &ev->u.money_transfer_failed.id;
    default:
        return NULL;
    }
}

const char *gw_ev_strerror(int code)
{
    switch (code) {
    case GW_EV_OK:
        return "success";
    case GW_EV_EINVAL:
        return "invalid argument";
    case GW_EV_ENOMEM:
        return "out of memory";
    case GW_EV_EMAGIC:
        return "not in the wire format (no magic byte 0)";
    case GW_EV_EUNKNOWN:
        return "unknown schema id";
    case GW_EV_EMALFORMED:
        return "malformed Avro data";
    case GW_EV_ETOOBIG:
        return "message too large";
    case GW_EV_ESCHEMA:
        return "schema invalid or incompatible";
    case GW_EV_EKAFKA:
        return "kafka error";
    case GW_EV_EIO:
        return "I/O error";
    case GW_EV_ERANGE:
        return "offsets not in the log";
    default:
        return "unknown error";
    }
}
