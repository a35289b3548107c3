/* Reads every sample and annotation of an accepted record, so that a count that
 * does not match its buffer shows up under ASan in the harness that produced it. */
#ifndef LULL_TEST_FUZZ_RECORD_CHECK_H
#define LULL_TEST_FUZZ_RECORD_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "records/record.h"

/* [main] Aborts when the record breaks record.h's promises (rate > 0). */
static inline void fuzz_touch_record(const bio_record *rec)
{
    volatile float sink = 0;
    for (size_t s = 0; s < rec->nsig; s++) {
        const bio_signal *sig = &rec->signals[s];
        if (!(sig->fs > 0)) {
            fprintf(stderr, "fuzz: signal %zu (%s) accepted with rate %g\n", s, sig->name, sig->fs);
            abort();
        }
        for (size_t i = 0; i < sig->n; i++) sink += sig->samples[i];
    }
    for (size_t a = 0; a < rec->nann; a++) sink += (float)rec->ann[a].sample;
    (void)sink;
}

#endif
