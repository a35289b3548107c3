/* Fuzz harness: CSV biosignal records (engine/src/records/csv_record), read as
 * `lull analyze file.csv` does: once requiring a time_s column (fs 0) and once
 * with a given rate (250 Hz). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_record_check.h"
#include "fuzz_support.h"
#include "records/csv_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file(0, "r.csv", data, size);
    if (!path) abort();
    const double rates[2] = {0, 250};
    for (int i = 0; i < 2; i++) {
        bio_record *rec = NULL;
        char err[512];
        err[0] = '\0';
        if (csv_record_read(path, rates[i], &rec, err, sizeof err)) {
            fuzz_touch_record(rec);
            bio_record_free(rec);
        } else if (!err[0]) {
            fprintf(stderr, "fuzz_csv: a record was refused without a message\n");
            abort();
        }
    }
    return 0;
}
