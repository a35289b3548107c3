/* WFDB record reader (PhysioNet header(5), signal(5), annot(5)): the .hea header
 * (single- and multi-segment records, fixed or variable layout), signal files in
 * every storage format of signal(5) -- 0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311
 * and the FLAC formats 508/516/524 (through libsndfile) -- with any samples per
 * frame, skew and byte offset; the header's initial values and checksums are
 * verified (a mismatch is a warning in bio_record.warnings naming the signal).
 * MIT-format annotation files (.atr, .gqrsh, ...) are read too, including
 * high-resolution files ("## time resolution: N" note) and aux strings. */
#ifndef LULL_RECORDS_WFDB_RECORD_H
#define LULL_RECORDS_WFDB_RECORD_H

#include <stdbool.h>

#include "records/record.h"

/* Reads the record described by `header_path` (a ".hea" file); signal files are
 * looked up beside the header (segments too). Returns true, or false with
 * "file:line: message" in err. [main] */
bool wfdb_record_read(const char *header_path, bio_record **out, char *err, size_t errlen);

/* Reads MIT-format annotations from `ann_path` into rec (replacing any it has).
 * rec->ann_fs becomes the file's time resolution, or `frame_fs` when the file
 * does not state one (frame_fs = the record's frame rate, i.e. the header's
 * sampling frequency). Returns true, or false with a message in err. [main] */
bool wfdb_annotations_read(const char *ann_path, double frame_fs, bio_record *rec, char *err,
                           size_t errlen);

/* The standard WFDB code table (ecgcodes.h): true for the codes WFDB counts as
 * QRS complexes (isqrs): N L R a V F J A S E j / Q B ? e n x f r. [any] */
bool wfdb_code_is_beat(int code);

/* The mnemonic of a standard WFDB code ('N', 'V', '~', ...), '?' when unknown. [any] */
char wfdb_code_symbol(int code);

#endif
