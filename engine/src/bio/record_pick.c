#include "bio/record_pick.h"

#include <stdio.h>
#include <string.h>

static const char *const k_guess[BIO_WAVEFORMS][5] = {
    [BIO_RESP] = {"RESP", "RSP", "RESPIRATION", NULL},
    [BIO_ECG] = {"MLII", "II", "ECG", "MCL1", NULL},
    [BIO_PPG] = {"PPG", "PLETH", NULL},
};
static const char *const k_stream[BIO_WAVEFORMS] = {"resp", "ecg", "ppg"};

const char *record_stream_name(bio_stream s) { return s < BIO_WAVEFORMS ? k_stream[s] : "?"; }

static void list_signals(const bio_record *rec, char *err, size_t errlen)
{
    size_t used = strlen(err);
    used += (size_t)snprintf(err + used, used < errlen ? errlen - used : 0, "available signals:");
    for (size_t i = 0; i < rec->nsig && used < errlen; i++)
        used += (size_t)snprintf(err + used, errlen - used, " %s (%g Hz)", rec->signals[i].name,
                                 rec->signals[i].fs);
}

int record_pick_signals(const bio_record *rec, const char *path,
                        const char *const names[BIO_WAVEFORMS],
                        const bio_signal *out[BIO_WAVEFORMS], char *err, size_t errlen)
{
    for (int s = 0; s < BIO_WAVEFORMS; s++) {
        out[s] = NULL;
        if (names && names[s]) {
            out[s] = bio_record_signal(rec, names[s]);
            if (!out[s]) {
                snprintf(err, errlen, "%s: no signal named \"%s\" for --%s; ", path, names[s],
                         k_stream[s]);
                list_signals(rec, err, errlen);
                return -1;
            }
            continue;
        }
        for (int g = 0; k_guess[s][g] && !out[s]; g++) out[s] = bio_record_signal(rec, k_guess[s][g]);
    }
    if (!out[BIO_RESP] && !out[BIO_ECG] && !out[BIO_PPG]) {
        snprintf(err, errlen,
                 "%s: no ECG, PPG or respiration signal recognised; name them with --ecg, "
                 "--ppg, --resp; ",
                 path);
        list_signals(rec, err, errlen);
        return -1;
    }
    return 0;
}
