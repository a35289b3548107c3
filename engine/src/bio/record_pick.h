/* Chooses which signals of a recorded session are the respiration, ECG and PPG
 * (for `lull replay` and `lull render --bio`): a name given by the user, or else
 * the first of the usual names found (the same list as `lull analyze`):
 * ECG: MLII, II, ECG, MCL1; PPG: PPG, PLETH; respiration: RESP, RSP, RESPIRATION. */
#ifndef LULL_BIO_RECORD_PICK_H
#define LULL_BIO_RECORD_PICK_H

#include <stddef.h>

#include "bio/bio_pipeline.h"
#include "bio/record.h"

/* names[s]: the user's choice for stream s (BIO_RESP, BIO_ECG, BIO_PPG) or NULL
 * to guess. Fills out[s] (NULL when absent). Returns 0, or -1 with a message
 * naming the file and listing the available signals when a given name is not
 * there or no stream at all was found. */
int record_pick_signals(const bio_record *rec, const char *path,
                        const char *const names[BIO_WAVEFORMS],
                        const bio_signal *out[BIO_WAVEFORMS], char *err, size_t errlen);

/* Lower-case name of a stream: "resp", "ecg", "ppg". */
const char *record_stream_name(bio_stream s);

#endif
