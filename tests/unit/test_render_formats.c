/* `lull render --format`: one preset holding a 1 kHz sine is rendered as float WAV,
 * 16- and 24-bit WAV and FLAC through the offline driver. Read back, each file has
 * the format asked for; the integer files differ from the float one by the error
 * TPDF dither theory predicts (zero mean, RMS of LSB/2: LSB²/12 rounding + LSB²/6
 * dither; Lipshitz, Wannamaker & Vanderkooy, JAES 1992); the FLAC file decodes to
 * exactly the 24-bit WAV's samples (lossless, same dither seed); a second render is
 * byte-identical. And the quantiser alone: a constant 0.25 LSB comes out as 0.25
 * LSB on average (dither linearises the quantiser; plain rounding gives 0). */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/pcm_dither.h"
#include "drivers/offline_driver.h"

#define RATE 48000.0
#define SECONDS 2.0

static const char k_preset[] =
    "{\"name\": \"Tone\", \"lull_preset\": 1,\n"
    " \"nodes\": [{\"name\": \"tone\", \"type\": \"osc\",\n"
    "             \"params\": {\"waveform\": \"sine\", \"freq\": 1000, \"level\": 0.5}},\n"
    "            {\"name\": \"p\", \"type\": \"pan\"}],\n"
    " \"connections\": [{\"from\": \"tone:out\", \"to\": \"p:in\"},\n"
    "                   {\"from\": \"p:left\", \"to\": \"out:left\"},\n"
    "                   {\"from\": \"p:right\", \"to\": \"out:right\"}]}\n";

static char g_dir[256];

static int render(const char *preset, offline_format f, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", g_dir, name);
    offline_render_opts o;
    offline_render_defaults(&o);
    o.preset = preset;
    o.seconds = SECONDS;
    o.sample_rate = RATE;
    o.out_path = path;
    o.format = f;
    offline_render_result res;
    char err[1024];
    int rc = offline_render(&o, &res, err, sizeof err) ? 0 : -1;
    CHECK(rc == 0, "render %s: %s", name, err);
    return rc;
}

/* Interleaved doubles of a whole file (sndfile's normalisation: integer / 2^(bits-1)). */
static double *read_all(const char *path, int *format, sf_count_t *frames)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    CHECK(sf != NULL, "%s: %s", path, sf_strerror(NULL));
    if (!sf) return NULL;
    CHECK(info.channels == 2 && info.samplerate == (int)RATE, "%s: %d ch at %d Hz", path,
          info.channels, info.samplerate);
    double *buf = malloc((size_t)info.frames * 2 * sizeof(double));
    *frames = sf_readf_double(sf, buf, info.frames);
    *format = info.format;
    sf_close(sf);
    return buf;
}

static void compare_to_float(const double *ref, const double *q, sf_count_t frames, int bits,
                             const char *what)
{
    double lsb = ldexp(1.0, -(bits - 1));
    double sum = 0, sum2 = 0, worst = 0;
    size_t n = 0;
    for (sf_count_t i = 0; i < 2 * frames; i++) {
        if (fabs(ref[i]) < 0.01) continue; /* the signal itself, not the silent ends */
        double e = (q[i] - ref[i]) / lsb;
        sum += e;
        sum2 += e * e;
        if (fabs(e) > worst) worst = fabs(e);
        n++;
    }
    double mean = sum / (double)n, rms = sqrt(sum2 / (double)n);
    printf("%s: error vs float over %zu samples: mean %+.4f LSB, RMS %.4f LSB (theory 0.5), "
           "max %.2f LSB (theory <= 1.5), noise %.1f dBFS\n",
           what, n, mean, rms, worst, 20 * log10(rms * lsb));
    CHECK(n > 10000, "%s: only %zu samples of signal", what, n);
    CHECK(fabs(mean) < 0.02, "%s: mean error %.4f LSB", what, mean);
    CHECK(rms > 0.47 && rms < 0.53, "%s: RMS error %.4f LSB, theory 0.5", what, rms);
    CHECK(worst <= 1.5 + 1e-6, "%s: error of %.3f LSB (TPDF + rounding stay within 1.5)", what,
          worst);
}

static int files_equal(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

static void check_quantiser_linear(void)
{
    pcm_dither d;
    pcm_dither_init(&d, 16, 1);
    enum { N = 1 << 18 };
    static float in[N];
    static int32_t out[N];
    const double lsb = 1.0 / 32768.0;
    for (int i = 0; i < N; i++) in[i] = (float)(0.25 * lsb);
    pcm_dither_to_int(&d, in, out, N);
    double sum = 0;
    for (int i = 0; i < N; i++) sum += (double)(out[i] >> 16);
    double mean = sum / N;
    printf("quantiser: 0.25 LSB in, mean %.4f LSB out over %d samples (rounding alone: 0)\n", mean,
           N);
    CHECK(fabs(mean - 0.25) < 0.01, "dithered mean %.4f LSB, expected 0.25", mean);
    /* Saturation: beyond full scale clips to the word's limits, never wraps. */
    float big[2] = {4.0f, -4.0f};
    int32_t o2[2];
    pcm_dither_to_int(&d, big, o2, 2);
    CHECK(o2[0] == (int32_t)0x7FFF0000 && o2[1] == INT32_MIN, "clipped to %08x %08x",
          (unsigned)o2[0], (unsigned)o2[1]);
}

int main(void)
{
    check_quantiser_linear();
    snprintf(g_dir, sizeof g_dir, "/tmp/lull_formats_XXXXXX");
    CHECK(mkdtemp(g_dir) != NULL, "mkdtemp");
    char preset[300];
    snprintf(preset, sizeof preset, "%s/tone.json", g_dir);
    FILE *f = fopen(preset, "w");
    fputs(k_preset, f);
    fclose(f);

    char pf[300], p16[300], p24[300], pfl[300], p16b[300];
    if (render(preset, OFFLINE_FORMAT_FLOAT, "f.wav", pf, sizeof pf) ||
        render(preset, OFFLINE_FORMAT_WAV16, "16.wav", p16, sizeof p16) ||
        render(preset, OFFLINE_FORMAT_WAV24, "24.wav", p24, sizeof p24) ||
        render(preset, OFFLINE_FORMAT_FLAC, "24.flac", pfl, sizeof pfl) ||
        render(preset, OFFLINE_FORMAT_WAV16, "16b.wav", p16b, sizeof p16b))
        return check_finish("test_render_formats");

    int ff, f16, f24, ffl;
    sf_count_t nf, n16, n24, nfl;
    double *xf = read_all(pf, &ff, &nf), *x16 = read_all(p16, &f16, &n16);
    double *x24 = read_all(p24, &f24, &n24), *xfl = read_all(pfl, &ffl, &nfl);
    CHECK(ff == (SF_FORMAT_WAV | SF_FORMAT_FLOAT), "float file format %#x", ff);
    CHECK(f16 == (SF_FORMAT_WAV | SF_FORMAT_PCM_16), "wav16 file format %#x", f16);
    CHECK(f24 == (SF_FORMAT_WAV | SF_FORMAT_PCM_24), "wav24 file format %#x", f24);
    CHECK(ffl == (SF_FORMAT_FLAC | SF_FORMAT_PCM_24), "flac file format %#x", ffl);
    CHECK(nf == (sf_count_t)(SECONDS * RATE) && n16 == nf && n24 == nf && nfl == nf,
          "frames: %lld %lld %lld %lld", (long long)nf, (long long)n16, (long long)n24,
          (long long)nfl);
    if (xf && x16 && x24 && xfl && n16 == nf && n24 == nf && nfl == nf) {
        compare_to_float(xf, x16, nf, 16, "wav16");
        compare_to_float(xf, x24, nf, 24, "wav24");
        sf_count_t diff = 0;
        for (sf_count_t i = 0; i < 2 * nf; i++) diff += xfl[i] != x24[i];
        printf("flac: %lld of %lld samples differ from the 24-bit WAV\n", (long long)diff,
               (long long)(2 * nf));
        CHECK(diff == 0, "FLAC and 24-bit WAV differ in %lld samples", (long long)diff);
    }
    CHECK(files_equal(p16, p16b), "two 16-bit renders of the same preset differ");
    free(xf), free(x16), free(x24), free(xfl);
    unlink(pf), unlink(p16), unlink(p24), unlink(pfl), unlink(p16b), unlink(preset);
    rmdir(g_dir);
    return check_finish("test_render_formats");
}
