/* A biosignal record read from a file: named signals, each with its own sampling
 * rate, samples in physical units, and optional annotations (e.g. reference beat
 * labels, EDF+ events). Produced by the WFDB, EDF/BDF and CSV readers; used by
 * `lull analyze`, `lull replay`, `lull render --bio` and the tests.
 *
 * Invalid samples (WFDB "invalid" codes, empty CSV cells) are NaN. */
#ifndef LULL_RECORDS_RECORD_H
#define LULL_RECORDS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bio_signal {
    char name[32];  /* e.g. "MLII", "ECG", "RESP" (WFDB description / CSV header) */
    char units[16]; /* e.g. "mV"; "" when unknown */
    double fs;      /* samples per second of this signal */
    size_t n;       /* number of samples */
    float *samples; /* n samples in physical units, NaN where invalid */
} bio_signal;

typedef struct bio_annotation {
    int64_t sample;   /* time in ticks of bio_record.ann_fs since the record's start */
    uint8_t code;     /* WFDB annotation code (1 = NORMAL, 5 = PVC, ...) */
    char symbol;      /* WFDB mnemonic ('N', 'V', 'A', ...) */
    int8_t sub;       /* WFDB subtype */
    uint8_t chan;     /* WFDB signal number */
    uint8_t num;      /* WFDB annotator number field */
    float duration_s; /* EDF+ event duration in seconds; 0 when none or WFDB */
    char *text;       /* owned: EDF+ annotation text or WFDB aux string; NULL when none */
} bio_annotation;

typedef struct bio_record {
    char name[64]; /* record name (WFDB) or file name without directory (CSV) */
    size_t nsig;
    bio_signal *signals; /* nsig signals */
    double ann_fs;       /* tick rate of annotation times; 0 when no annotations */
    size_t nann;
    bio_annotation *ann; /* nann annotations sorted by time, NULL when none */
    char *warnings;      /* reader warnings, one per line (a checksum or initial
                              * value that does not match the header, ...); NULL when none */
} bio_record;

/* Reads a record, choosing the reader by extension: ".hea" (or a path whose
 * ".hea" exists) is WFDB, ".csv" is CSV, ".edf"/".bdf"/".rec" (or a file that
 * starts like one) is EDF, EDF+ or BDF. `csv_fs` is the CSV sampling rate for
 * files without a `time_s` column (0 = required in the file). On failure returns
 * false and writes a message naming the file (and line or field when it applies) to
 * err. The record's warnings are also printed to stderr, one "warning: " line
 * each, since every caller is a command a person reads. [main] */
bool bio_record_read(const char *path, double csv_fs, bio_record **out, char *err, size_t errlen);

/* [any] The signal with this name (case-insensitive), or NULL. */
const bio_signal *bio_record_signal(const bio_record *rec, const char *name);

/* [main] Frees the record and everything it owns; NULL is a no-op. */
void bio_record_free(bio_record *rec);

/* For the readers: appends one line to rec->warnings. False when out of memory
 * (the warning is then lost, the record stays valid). [main] */
bool bio_record_warn(bio_record *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* [main] For the readers: printf into err (always terminated). */
void bio_record_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
