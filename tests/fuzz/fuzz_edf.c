/* Fuzz harness: EDF, EDF+ and BDF records (engine/src/records/edf_record: lull's
 * field-by-field header check, then EDFlib), as `lull analyze rec.edf` reads
 * them. EDFlib opens files by name, so the input is written to r.edf in the
 * scratch directory; the sniffer of extensionless files is run on it too. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_record_check.h"
#include "fuzz_support.h"
#include "records/edf_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file(0, "r.edf", data, size);
    if (!path) abort();
    volatile bool sniffed = edf_file_looks_like_edf(path);
    (void)sniffed;
    bio_record *rec = NULL;
    char err[512];
    err[0] = '\0';
    if (edf_record_read(path, &rec, err, sizeof err)) {
        fuzz_touch_record(rec);
        bio_record_free(rec);
    } else if (!err[0]) {
        fprintf(stderr, "fuzz_edf: a record was refused without a message\n");
        abort();
    }
    return 0;
}
