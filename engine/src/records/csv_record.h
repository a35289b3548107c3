/* CSV record reader: a header row of signal names, then one row of numbers per
 * sample. An optional `time_s` column gives the sample times (the rate is derived
 * from it, and every time must lie within half a sample period of that uniform
 * grid); without it the rate must be given.
 * Empty cells and "nan" become NaN. Every signal gets the same rate. */
#ifndef LULL_RECORDS_CSV_RECORD_H
#define LULL_RECORDS_CSV_RECORD_H

#include <stdbool.h>

#include "records/record.h"

/* [main] fs: sampling rate when the file has no `time_s` column (0 = the column is
 * required). Returns true, or false with "file:line: message" in err. */
bool csv_record_read(const char *path, double fs, bio_record **out, char *err, size_t errlen);

#endif
