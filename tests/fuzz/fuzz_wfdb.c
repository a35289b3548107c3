/* Fuzz harness: WFDB records (engine/src/records/wfdb_record): a header, its signal
 * file and an annotation file, as `lull analyze rec.hea` reads them.
 *
 * Input layout: header text, then "@@DAT@@" and the signal file's bytes, then
 * "@@ATR@@" and the annotation file's bytes (each part optional). The parts are
 * written as r.hea, r.dat and r.atr in a scratch directory; the seed headers
 * (tests/fuzz/corpus/wfdb) name r.dat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_record_check.h"
#include "fuzz_support.h"
#include "records/wfdb_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t hea_end = fuzz_split(data, size, "@@DAT@@");
    const uint8_t *rest = data + hea_end, *end = data + size;
    if (rest < end) rest += 7;
    size_t dat_len = fuzz_split(rest, (size_t)(end - rest), "@@ATR@@");
    const uint8_t *atr = rest + dat_len;
    if (atr < end) atr += 7;

    const char *hea = fuzz_write_file(0, "r.hea", data, hea_end);
    const char *dat = fuzz_write_file(1, "r.dat", rest, dat_len);
    const char *ann = fuzz_write_file(2, "r.atr", atr, (size_t)(end - atr));
    if (!hea || !dat || !ann) abort();

    bio_record *rec = NULL;
    char err[512];
    err[0] = '\0';
    if (wfdb_record_read(hea, &rec, err, sizeof err)) {
        fuzz_touch_record(rec);
        double frame_fs = rec->nsig ? rec->signals[0].fs : 250;
        if (wfdb_annotations_read(ann, frame_fs, rec, err, sizeof err)) fuzz_touch_record(rec);
        bio_record_free(rec);
    } else if (!err[0]) {
        fprintf(stderr, "fuzz_wfdb: a record was refused without a message\n");
        abort();
    }
    return 0;
}
