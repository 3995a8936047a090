/*
 * bank_int.h — what snapshot.c needs of bank.c's internals: read access to every
 * account and answer, and restoring them.
 */
#ifndef CH_BANK_INT_H
#define CH_BANK_INT_H

#include "bank.h"

/* Answer kinds, as stored in the snapshot. */
enum { ANS_ACCOUNT_OK, ANS_ACCOUNT_FAILED, ANS_TRANSFER_OK, ANS_TRANSFER_FAILED };

/* All accounts (valid until the bank changes); *n gets their count. */
const ch_account_t *ch__bank_accounts(const ch_bank_t *b, size_t *n);
/* Answer i: its id, kind, account IBAN (ANS_ACCOUNT_OK) or reason (failures); 0, or -1
 * past the end (an iteration's end, not an error). */
int ch__bank_answer(const ch_bank_t *b, size_t i, gw_uuid_t *id, int *kind, const char **iban, const char **reason);
/* Answer i's parameter digest into d: 1, or 0 when it has none (or i is past the end). */
int ch__bank_answer_digest(const ch_bank_t *b, size_t i, uint8_t d[GW_TRANSFER_DIGEST_LEN]);
/* The first half-done transfer at index >= i: its index, id and the accounts already
 * changed ("" = none); -1 when there is none. */
int ch__bank_incomplete(const ch_bank_t *b, size_t i, gw_uuid_t *id, const char **iban1, const char **iban2);
/* Restores a half-done transfer; 0 or CH_ENOMEM. */
int ch__bank_restore_incomplete(ch_bank_t *b, const gw_uuid_t *id, const char *iban1, const char *iban2);
/* Creates or overwrites an account; 0, CH_EINVAL (IBAN or token too long) or CH_ENOMEM. */
int ch__bank_restore_account(ch_bank_t *b, const char *iban, const char *token, int64_t balance, int64_t limit,
                             gw_atype_t a_type);
/* Adds an answer (the id must be new, an ANS_ACCOUNT_OK's account must exist); 0, CH_EINVAL or
 * CH_ENOMEM. */
int ch__bank_restore_answer(ch_bank_t *b, const gw_uuid_t *id, int kind, const char *iban, const char *reason);
/* Exchanges the accounts and answers of two banks (each keeps its random source). */
void ch__bank_swap(ch_bank_t *a, ch_bank_t *b);

#endif
