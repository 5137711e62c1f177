/* trec_fuzz.c - libFuzzer target: the TREC index reader, through the
 * whole dataset reader (dataset.h): the input is the `index` file of a
 * folder that holds two small messages, data/1 and data/2. Inputs that
 * leave the folder ("..", absolute paths) are not tried, so the fuzzer
 * reads nothing outside its own folder. */
#include "fuzz_util.h"
#include "ks/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *dir;
    ks_dataset *ds = NULL;
    ks_dataset_opts o;
    ks_message msg;
    if (memmem(data, size, "..", 2) || memmem(data, size, " /", 2) ||
        memmem(data, size, "\t/", 2) || (size && data[0] == '/'))
        return -1;   /* keep out of the corpus */
    if (!dir) {
        char sub[512];
        dir = fuzz_dir();
        snprintf(sub, sizeof sub, "%s/data", dir);
        mkdir(sub, 0700);
        fuzz_put(dir, "data/1", "Subject: hi\n\nhello there\n", 25);
        fuzz_put(dir, "data/2", "From a\nSubject: buy\n\nbuy now\n", 29);
    }
    fuzz_put(dir, "index", data, size);
    ks_dataset_opts_default(&o);
    o.format = KS_FMT_TREC;
    o.max_message = o.max_field = 4096;
    if (ks_dataset_open(&ds, dir, &o) == KS_OK) {
        for (int pass = 0; pass < 2; pass++) {
            while (ks_dataset_next(ds, &msg) == KS_OK)
                if (msg.label < 0 || msg.label > 1 || msg.data[msg.len] != '\0')
                    __builtin_trap();
            if (ks_dataset_rewind(ds, (uint64_t)pass + 7) != KS_OK)
                break;
        }
    }
    ks_dataset_free(ds);
    return 0;
}
