/* GetQuote, quote parsing, and checking the event log against the quote.
 * usage: quote [REPORT_DATA_TEXT] */
#include "common.h"

int main(int argc, char **argv) {
    const char *data = argc > 1 ? argv[1] : "hello from libdstack";
    uint8_t rd[64] = {0};
    size_t n = strlen(data) < 64 ? strlen(data) : 64;
    memcpy(rd, data, n);
    dstack_client *c = connect_agent();
    dstack_response *r, *q;
    dstack_error *e = NULL;
    check(dstack_client_get_quote(c, rd, n, 0, &r, &e), e, "GetQuote");
    dstack_slice quote = get(r, DSTACK_FIELD_QUOTE), log = get(r, DSTACK_FIELD_EVENT_LOG);
    check(dstack_quote_parse(quote.ptr, quote.len, &q, &e), e, "quote parse");
    uint64_t version = 0;
    check(dstack_response_u64(q, DSTACK_FIELD_QUOTE_VERSION, &version, &e), e, "quote version");
    printf("quote: %zu bytes, version %llu\n", quote.len, (unsigned long long)version);
    print_hex("mrtd", get(q, DSTACK_FIELD_MRTD).ptr, 48);
    print_hex("rtmr3", get(q, DSTACK_FIELD_RTMR3).ptr, 48);
    print_hex("report data", get(q, DSTACK_FIELD_REPORT_DATA).ptr, 64);
    dstack_event_log *el;
    check(dstack_event_log_parse(log.ptr, log.len, &el, &e), e, "event log");
    printf("event log: %zu events\n", dstack_event_log_count(el));
    /* sound replay of RTMR0-3 must reproduce the quote (the Intel signature is checked elsewhere) */
    check(dstack_verify_event_log(quote.ptr, quote.len, log.ptr, log.len, rd, 64, &e), e, "verify event log");
    printf("event log replays to the quoted RTMRs and the report data matches\n");
    dstack_event_log_free(el);
    dstack_response_free(q);
    dstack_response_free(r);
    dstack_client_free(c);
    return 0;
}
