/* App-compose hashes: the canonical-JSON hash deployment tools compute and the raw-file
 * hash the guest measures. usage: compose [APP_COMPOSE_JSON_FILE] */
#include "common.h"

int main(int argc, char **argv) {
    static const char builtin[] = "{\"runner\":\"docker-compose\",\"name\":\"demo\",\"docker_compose_file\":\"services: {}\\n\","
                                  "\"manifest_version\":2,\"kms_enabled\":true}";
    char *doc = (char *)builtin;
    size_t len = strlen(builtin);
    if (argc > 1) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) { perror(argv[1]); return 1; }
        fseek(f, 0, SEEK_END);
        len = (size_t)ftell(f);
        fseek(f, 0, SEEK_SET);
        doc = malloc(len + 1);
        if (fread(doc, 1, len, f) != len) { perror("read"); return 1; }
        fclose(f);
    }
    dstack_error *e = NULL;
    uint8_t h[32];
    check(dstack_compose_hash(U8(doc), len, false, h, &e), e, "compose hash");
    print_hex("compose hash (canonical JSON)", h, 32);
    check(dstack_compose_hash(U8(doc), len, true, h, &e), e, "compose hash");
    print_hex("compose hash (normalized)", h, 32);
    check(dstack_compose_hash_raw(U8(doc), len, h, &e), e, "raw hash");
    print_hex("compose hash (raw file, what the guest measures)", h, 32);
    size_t need = 0;
    dstack_status s = dstack_compose_canonical_json(U8(doc), len, false, NULL, 0, &need, &e);
    if (s != DSTACK_STATUS_BUFFER_TOO_SMALL && s != DSTACK_STATUS_OK) check(s, e, "canonical json");
    dstack_error_free(e);
    e = NULL;
    char *canon = malloc(need + 1);
    check(dstack_compose_canonical_json(U8(doc), len, false, (uint8_t *)canon, need, &need, &e), e, "canonical json");
    printf("canonical json: %.*s\n", (int)need, canon);
    free(canon);
    if (doc != builtin) free(doc);
    return 0;
}
