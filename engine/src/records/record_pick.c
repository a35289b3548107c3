#include "records/record_pick.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const k_exact[BIO_WAVEFORMS][5] = {
    [BIO_RESP] = {"RESP", "RSP", "RESPIRATION", NULL},
    [BIO_ECG] = {"MLII", "II", "ECG", "MCL1", NULL},
    [BIO_PPG] = {"PPG", "PLETH", NULL},
};
static const char *const k_stream[BIO_WAVEFORMS] = {"resp", "ecg", "ppg"};

/* Words that make a name a waveform of a stream. Lead names follow the 12-lead
 * and Holter conventions (MIT-BIH: MLII, V1..V5; PTB: i, ii, iii, avr, v1..v6);
 * respiration follows polysomnography (AASM montage: airflow, thorax and abdomen
 * effort belts) and the wearables' exports (BITalino "RESP", Empatica "BVP"). */
static const char *const k_words[BIO_WAVEFORMS][20] = {
    [BIO_RESP] = {"RESP",      "RSP",        "RESPIRATION", "RESPIRATORY", "BREATH",
                  "BREATHING", "THORAX",     "THOR",        "THORACIC",    "CHEST",
                  "ABDOMEN",   "ABDO",       "ABD",         "AIRFLOW",     "FLOW",
                  "NASAL",     "THERMISTOR", "EFFORT",      "PNEUMO",      NULL},
    [BIO_ECG] = {"ECG", "EKG", "MLII", "MLIII", "MLI", "MCL1", "LEAD", NULL},
    /* Not "Pulse": in polysomnography exports that is the pulse rate. */
    [BIO_PPG] = {"PPG", "PLETH", "PLETHYSMOGRAM", "PLETHYSMOGRAPH", "BVP", "PHOTOPLETH", NULL},
};

/* Words that say the channel is a derived number, not a waveform. */
static const char *const k_not_waveform[] = {"RATE", "HR",  "BPM",  "SPO2", "SAO2", "PULSE",
                                             "SAT",  "RR",  "NIBP", "ABP",  "BP",   "EEG",
                                             "EMG",  "EOG", "TEMP", NULL};

static int in_list(const char *w, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(w, list[i]) == 0) return 1;
    return 0;
}

/* Limb and precordial lead names alone ("II", "V5", "aVF") only when the whole
 * name is that lead: "V" or "I" inside longer names mean other things. */
static int is_lead_name(const char *w)
{
    static const char *const leads[] = {"I",  "II", "III", "AVR", "AVL", "AVF", "V1",
                                        "V2", "V3", "V4",  "V5",  "V6",  NULL};
    return in_list(w, leads);
}

int record_guess_stream(const char *name)
{
    char words[8][24];
    int nw = 0;
    const char *p = name;
    /* Split into upper-case words at separators and letter/digit boundaries; "V5"
     * and "SpO2" stay whole (a digit after letters is kept when it ends the word
     * that is a lead or an SpO2). */
    while (*p && nw < 8) {
        while (*p && !isalnum((unsigned char)*p)) p++;
        if (!*p) break;
        size_t n = 0;
        int digits = isdigit((unsigned char)*p) != 0;
        while (*p && isalnum((unsigned char)*p) && (isdigit((unsigned char)*p) != 0) == digits) {
            if (n < sizeof words[0] - 1) words[nw][n++] = (char)toupper((unsigned char)*p);
            p++;
        }
        words[nw][n] = '\0';
        /* Glue a digit run onto the word before it: "V" "5" -> "V5", "SPO" "2". */
        if (digits && nw > 0 && n < 4) {
            char glued[2 * sizeof words[0]]; /* room for both words whole */
            snprintf(glued, sizeof glued, "%s%s", words[nw - 1], words[nw]);
            if (is_lead_name(glued) || strcmp(glued, "SPO2") == 0 || strcmp(glued, "SAO2") == 0 ||
                strcmp(glued, "MCL1") == 0) {
                memcpy(words[nw - 1], glued, sizeof words[0] - 1); /* both < 24 chars */
                words[nw - 1][sizeof words[0] - 1] = '\0';
                continue;
            }
        }
        nw++;
    }
    int found = -1;
    for (int i = 0; i < nw; i++) {
        if (in_list(words[i], k_not_waveform)) return -1;
        for (int s = 0; s < BIO_WAVEFORMS && found < 0; s++)
            if (in_list(words[i], k_words[s])) found = s;
    }
    if (found < 0) {
        /* A bare lead name: "II", "V5", "aVF", "Lead II" handled above by LEAD. */
        int letters = 0;
        for (int i = 0; i < nw; i++) letters += !isdigit((unsigned char)words[i][0]);
        if (letters == 1 && is_lead_name(words[0])) found = BIO_ECG;
    }
    return found;
}

const char *record_stream_name(bio_stream s) { return s < BIO_WAVEFORMS ? k_stream[s] : "?"; }

static void list_signals(const bio_record *rec, char *err, size_t errlen)
{
    size_t used = strlen(err);
    used += (size_t)snprintf(err + used, used < errlen ? errlen - used : 0, "available signals:");
    for (size_t i = 0; i < rec->nsig && used < errlen; i++)
        used += (size_t)snprintf(err + used, errlen - used, " %s (%g Hz)", rec->signals[i].name,
                                 rec->signals[i].fs);
}

bool record_pick_signals(const bio_record *rec, const char *path,
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
                return false;
            }
            continue;
        }
        for (int g = 0; k_exact[s][g] && !out[s]; g++)
            out[s] = bio_record_signal(rec, k_exact[s][g]);
        /* Then the first signal whose name reads as this stream, record order. */
        for (size_t i = 0; i < rec->nsig && !out[s]; i++)
            if (record_guess_stream(rec->signals[i].name) == s) out[s] = &rec->signals[i];
    }
    if (!out[BIO_RESP] && !out[BIO_ECG] && !out[BIO_PPG]) {
        snprintf(err, errlen,
                 "%s: no ECG, PPG or respiration signal recognised; name them with --ecg, "
                 "--ppg, --resp; ",
                 path);
        list_signals(rec, err, errlen);
        return false;
    }
    return true;
}
