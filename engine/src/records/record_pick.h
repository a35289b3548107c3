/* Chooses which signals of a recorded session are the respiration, ECG and PPG
 * (for `lull analyze`, `lull replay` and `lull render --bio`): a name given by
 * the user, or else a guess from the names people write (record_guess_stream).
 * Exact names win first, in this order (the MIT-BIH/MIMIC convention):
 * ECG: MLII, II, ECG, MCL1; PPG: PPG, PLETH; respiration: RESP, RSP, RESPIRATION;
 * then the first signal whose name reads as one of them ("ECG 1", "ECG_1",
 * "ECG lead II", "EKG", "Pleth", "BVP", "Thorax", "Abdomen", "Airflow", ...). */
#ifndef LULL_RECORDS_RECORD_PICK_H
#define LULL_RECORDS_RECORD_PICK_H

#include <stdbool.h>
#include <stddef.h>

#include "bio/bio_pipeline.h"
#include "records/record.h"

/* names[s]: the user's choice for stream s (BIO_RESP, BIO_ECG, BIO_PPG) or NULL
 * to guess. Fills out[s] (NULL when absent). Returns true, or false with a message
 * naming the file and listing the available signals when a given name is not
 * there or no stream at all was found. [main] */
bool record_pick_signals(const bio_record *rec, const char *path,
                         const char *const names[BIO_WAVEFORMS],
                         const bio_signal *out[BIO_WAVEFORMS], char *err, size_t errlen);

/* The stream a signal name reads as, or -1: words of the name (split at spaces,
 * '_', '-', '.', ':' and between letters and digits, case ignored) are looked up
 * in a vocabulary of ECG leads (ECG, EKG, lead names I..III, aVR..aVF, V1..V6,
 * MLII, MCL1), PPG (PPG, PLETH, PLETHYSMOGRAM, BVP) and respiration (RESP,
 * RSP, RESPIRATION, BREATH, THORAX, THOR, CHEST, ABDOMEN, ABDO, ABD, AIRFLOW,
 * FLOW, NASAL, THERMISTOR, EFFORT). Names that carry a derived number ("Resp
 * rate", "HR", "SpO2", "Pulse"), and EEG/EMG/EOG, are not these waveforms: -1. [any] */
int record_guess_stream(const char *name);

/* Lower-case name of a stream: "resp", "ecg", "ppg". [any] */
const char *record_stream_name(bio_stream s);

#endif
