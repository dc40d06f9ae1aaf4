/* Info and Version: who this app is and what it runs on. */
#include "common.h"

int main(void) {
    dstack_client *c = connect_agent();
    bool up = false;
    dstack_error *e = NULL;
    check(dstack_client_is_reachable(c, 0, &up, &e), e, "is_reachable");
    printf("agent at %.*s reachable: %s\n", (int)dstack_client_endpoint(c).len, (const char *)dstack_client_endpoint(c).ptr,
           up ? "yes" : "no");
    if (!up) return 1;
    dstack_response *r, *v;
    check(dstack_client_info(c, 0, &r, &e), e, "Info");
    dstack_slice id = get(r, DSTACK_FIELD_APP_ID);
    print_hex("app id", id.ptr, id.len);
    print_text("app name", get(r, DSTACK_FIELD_APP_NAME));
    dstack_slice ch = get(r, DSTACK_FIELD_COMPOSE_HASH);
    print_hex("compose hash", ch.ptr, ch.len);
    dstack_slice mrtd;
    if (dstack_response_get(r, DSTACK_FIELD_MRTD, &mrtd, NULL) == DSTACK_STATUS_OK) print_hex("mrtd", mrtd.ptr, mrtd.len);
    if (dstack_client_version(c, 0, &v, &e) == DSTACK_STATUS_OK) {
        print_text("agent version", get(v, DSTACK_FIELD_VERSION));
        dstack_response_free(v);
    } else {
        printf("agent version: unknown (an agent older than v0.5.7)\n");
        dstack_error_free(e);
    }
    dstack_response_free(r);
    dstack_client_free(c);
    return 0;
}
