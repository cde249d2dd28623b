/*
 * Replays fuzz corpora without libFuzzer (zstd's regression_driver idea):
 * calls LLVMFuzzerTestOneInput once per file given on the command line or
 * found in the directories given. A crash or a failed check in the target
 * fails the test; so does finding no input at all.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cp_replay_file(const char *path)
{
        FILE *fp = fopen(path, "rb");
        uint8_t *buf;
        long n;

        if (!fp || fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) {
                fprintf(stderr, "regression_driver: cannot read %s\n", path);
                if (fp)
                        fclose(fp);
                return -1;
        }
        buf = malloc((size_t)n + 1);
        if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
                fprintf(stderr, "regression_driver: cannot read %s\n", path);
                free(buf);
                fclose(fp);
                return -1;
        }
        fclose(fp);
        LLVMFuzzerTestOneInput(buf, (size_t)n);
        free(buf);
        return 0;
}

int main(int argc, char **argv)
{
        int files = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                DIR *d;
                struct dirent *e;

                if (stat(argv[i], &st)) {
                        fprintf(stderr, "regression_driver: no such input %s\n", argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (cp_replay_file(argv[i]))
                                return 1;
                        files++;
                        continue;
                }
                d = opendir(argv[i]);
                while (d && (e = readdir(d))) {
                        char path[4096];
                        if (e->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
                        if (cp_replay_file(path))
                                return 1;
                        files++;
                }
                if (d)
                        closedir(d);
        }
        printf("replayed %d inputs\n", files);
        return files ? 0 : 1;
}
