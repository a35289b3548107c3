/* WFDB record reader (PhysioNet header(5), signal(5), annot(5)): the .hea header,
 * signal files in formats 16 and 212 with any samples per frame, skew and byte
 * offset, and MIT-format annotation files (.atr, .gqrsh, ...), including
 * high-resolution files ("## time resolution: N" note). Format 80 (8-bit offset
 * binary) is read too. */
#ifndef LULL_BIO_WFDB_RECORD_H
#define LULL_BIO_WFDB_RECORD_H

#include <stdbool.h>

#include "bio/record.h"

/* Reads the record described by `header_path` (a ".hea" file); signal files are
 * looked up beside the header. Returns 0, or -1 with "file:line: message" in err. */
int wfdb_record_read(const char *header_path, bio_record **out, char *err, size_t errlen);

/* Reads MIT-format annotations from `ann_path` into rec (replacing any it has).
 * rec->ann_fs becomes the file's time resolution, or `frame_fs` when the file
 * does not state one (frame_fs = the record's frame rate, i.e. the header's
 * sampling frequency). Returns 0, or -1 with a message in err. */
int wfdb_annotations_read(const char *ann_path, double frame_fs, bio_record *rec,
                          char *err, size_t errlen);

/* The standard WFDB code table (ecgcodes.h): true for the codes WFDB counts as
 * QRS complexes (isqrs): N L R a V F J A S E j / Q B ? e n x f r. */
bool wfdb_code_is_beat(int code);

/* The mnemonic of a standard WFDB code ('N', 'V', '~', ...), '?' when unknown. */
char wfdb_code_symbol(int code);

#endif
