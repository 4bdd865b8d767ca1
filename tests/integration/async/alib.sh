# alib.sh - helpers of the Async Manager tests, on top of core/lib.sh:
# one clock for regman (REGMAN_CLOCK_FILE) and the sim (/clock/advance),
# moved together; the [mail] section; outbox queries.

# async_setup TEMPLATES - setup_regman plus .ca, a [mail] section and the
# shared clock file.
async_setup() {
    setup_regman
    rg tld set .ca --registrar sim --price register:1=15 --price renew:1=15 \
        --price transfer:1=15 >/dev/null || exit 1
    cat >>"$WORK/regman.conf" <<EOC
[mail]
from = regman@example.net
admin = admin@example.net
templates = $1
EOC
    echo 0 >"$WORK/clock"
    REGMAN_CLOCK_FILE=$WORK/clock
    export REGMAN_CLOCK_FILE
}

# advance SECONDS - move regman's clock and the sim's together.
advance() {
    _c=$(cat "$WORK/clock")
    echo $((_c + $1)) >"$WORK/clock.tmp" && mv "$WORK/clock.tmp" "$WORK/clock"
    ctl POST /clock/advance "{\"seconds\": $1}" >/dev/null
}

# op_id DOMAIN - the domain's newest operation id.
op_id() {
    sql "SELECT o.id FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' ORDER BY o.id DESC LIMIT 1"
}
op_col() { # op_col DOMAIN COLUMN
    sql "SELECT o.$2 FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' ORDER BY o.id DESC LIMIT 1"
}
digests() {
    sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'digest:%'"
}
# digests_listing OPID SECTION-WORD - digests whose body lists "op N "
digests_listing() {
    sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'digest:%' AND body LIKE '%op $1 %'"
}
customer_mails() { # customer_mails OPID
    sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'op:$1:%'"
}
# sweep - `regman async sweep --json` into $WORK/sweep.json; sets SWEPT
sweep() {
    rg async sweep --json >"$WORK/sweep.json" 2>"$WORK/sweep.err"
    SWEEP_RC=$?
    SWEPT=$(jget "$WORK/sweep.json" "j['polled']" 2>/dev/null)
}
not_pending() { ! sim_pending "$1"; }
