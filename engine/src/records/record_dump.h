/* `lull analyze FILE --signals`: a record's decoded signals as CSV, so what lull
 * reads can be compared with another reader sample by sample.
 *
 * Columns: time_s, then one per signal in record order, headed by its name
 * (CSV-quoted when it holds a comma or quote), values in the signal's physical
 * units (bio_signal.units) printed with 9 significant digits, which gives back
 * the same float. Rows: every distinct sample time of any signal, in order; a
 * signal with no sample at a row's time (a slower signal, or NaN = invalid)
 * leaves its cell empty. With rates that are multiples of each other (WFDB's
 * samples per frame, EDF's samples per record) the rows are the fastest
 * signal's grid. */
#ifndef LULL_RECORDS_RECORD_DUMP_H
#define LULL_RECORDS_RECORD_DUMP_H

#include <stdbool.h>
#include <stdio.h>

#include "records/record.h"

/* Writes the CSV to f. False when writing failed or memory ran out; it writes no
 * message, since only the caller knows what f is. [main] */
bool bio_record_write_signals_csv(const bio_record *rec, FILE *f);

#endif
