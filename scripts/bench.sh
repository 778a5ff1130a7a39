#!/usr/bin/env bash
# Benchmark of rebate_management at scale (see bench/README.md).
#
# Builds the benchmark database once (rebate_management without demo data, then
# generated customers, products, agreements and a year of invoices) and reuses
# it on later runs; then measures posting, period close, credit notes and the
# SQL floor on that data, checks every settlement against an independent
# recomputation, prints a table and writes bench-results.json.
#
# Sizes come from the environment or from flags (a flag wins):
#   --customers N    BENCH_CUSTOMERS    (1000)
#   --agreements N   BENCH_AGREEMENTS   (1200)
#   --invoices N     BENCH_INVOICES     (10000)
#   --lines N        BENCH_LINES        (20, lines per invoice)
#   --products N     BENCH_PRODUCTS     (200)
#   --sample N       BENCH_SAMPLE       (200, invoices posted through the ORM)
#   --post K         BENCH_POST         (100, invoices posted per kind in stage 1)
#   --rounds R       BENCH_ROUNDS       (5, repetitions of stage 1)
#   --credit-notes N BENCH_CREDIT_NOTES (0 = every positive settlement; N = the
#                                        first N, for the large growth runs)
#   --seed S         BENCH_SEED         (2025)
#   --db NAME        BENCH_DB           (rebate_bench for the default sizes,
#                                        rebate_bench_<sizes> otherwise)
#   --json FILE      BENCH_JSON         (bench-results.json at the repo root)
#   --reset          BENCH_RESET=1      drop and rebuild the database
#   --profile        BENCH_PROFILE=1    cProfile and SQL breakdown of the stages
#   --skip-lines-check BENCH_LINES_CHECK=0  skip close_periods on doubled lines
#   --vendor         BENCH_VENDOR=1     the vendor case (issue #27) after the measured
#                                        stages, rolled back (BENCH_OVERLAP=1: the
#                                        overlap case, issue #26)
#   --load           BENCH_LOAD=1       the load stage (issue #31) after the others: a
#                                        server with BENCH_LOAD_WORKERS (4) workers on a
#                                        copy of the database (dropped after;
#                                        BENCH_LOAD_KEEP=1 keeps it), BENCH_LOAD_CLIENTS
#                                        (8) XML-RPC clients posting for
#                                        BENCH_LOAD_SECONDS (20), then while the close
#                                        runs; port BENCH_LOAD_PORT (18269)
#   --x4-agreements / --x4-lines        the growth runs (agreements or invoices x4)
#   --oca DIR        BENCH_OCA_ADDONS   OCA's agreement_rebate and its dependencies
#                                        (bench/get-oca-addons.sh): installed in a
#                                        database of its own (name + _oca) and its
#                                        settlement wizard measured on the same lines
set -euo pipefail
source "$(dirname "$0")/env.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --customers) BENCH_CUSTOMERS="$2"; shift ;;
        --agreements) BENCH_AGREEMENTS="$2"; shift ;;
        --invoices) BENCH_INVOICES="$2"; shift ;;
        --lines) BENCH_LINES="$2"; shift ;;
        --products) BENCH_PRODUCTS="$2"; shift ;;
        --sample) BENCH_SAMPLE="$2"; shift ;;
        --post) BENCH_POST="$2"; shift ;;
        --rounds) BENCH_ROUNDS="$2"; shift ;;
        --credit-notes) BENCH_CREDIT_NOTES="$2"; shift ;;
        --seed) BENCH_SEED="$2"; shift ;;
        --db) BENCH_DB="$2"; shift ;;
        --json) BENCH_JSON="$2"; shift ;;
        --reset) BENCH_RESET=1 ;;
        --profile) BENCH_PROFILE=1 ;;
        --skip-lines-check) BENCH_LINES_CHECK=0 ;;
        --vendor) export BENCH_VENDOR=1 ;;
        --load) export BENCH_LOAD=1 ;;
        --x4-agreements) BENCH_AGREEMENTS=$(( 4 * ${BENCH_AGREEMENTS:-1200} )) ;;
        --x4-lines) BENCH_INVOICES=$(( 4 * ${BENCH_INVOICES:-10000} )) ;;
        --oca) BENCH_OCA_ADDONS="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done

export BENCH_CUSTOMERS="${BENCH_CUSTOMERS:-1000}"
export BENCH_AGREEMENTS="${BENCH_AGREEMENTS:-1200}"
export BENCH_INVOICES="${BENCH_INVOICES:-10000}"
export BENCH_LINES="${BENCH_LINES:-20}"
export BENCH_PRODUCTS="${BENCH_PRODUCTS:-200}"
export BENCH_SAMPLE="${BENCH_SAMPLE:-200}"
export BENCH_POST="${BENCH_POST:-100}"
export BENCH_ROUNDS="${BENCH_ROUNDS:-5}"
export BENCH_CREDIT_NOTES="${BENCH_CREDIT_NOTES:-0}"
export BENCH_SEED="${BENCH_SEED:-2025}"
export BENCH_PROFILE="${BENCH_PROFILE:-0}"
export BENCH_LINES_CHECK="${BENCH_LINES_CHECK:-1}"
export BENCH_JSON="${BENCH_JSON:-$ROOT/bench-results.json}"

for size in BENCH_CUSTOMERS BENCH_AGREEMENTS BENCH_INVOICES BENCH_LINES \
        BENCH_PRODUCTS BENCH_SAMPLE BENCH_POST BENCH_ROUNDS BENCH_SEED BENCH_CREDIT_NOTES; do
    [[ "${!size}" =~ ^[0-9]+$ ]] || die "$size must be a whole number (got '${!size}')"
done

# What the generated data depends on; a database holding other data is not reused.
# The generator's version: as GENERATOR in bench/rebate_bench.py, which checks it.
GENERATOR=v2
SIGNATURE="$GENERATOR customers=$BENCH_CUSTOMERS products=$BENCH_PRODUCTS"
SIGNATURE+=" agreements=$BENCH_AGREEMENTS invoices=$BENCH_INVOICES lines=$BENCH_LINES"
SIGNATURE+=" sample=$BENCH_SAMPLE seed=$BENCH_SEED"
export BENCH_SIGNATURE="$SIGNATURE"

if [ -z "${BENCH_DB:-}" ]; then
    if [ "$SIGNATURE" = "$GENERATOR customers=1000 products=200 agreements=1200 invoices=10000 lines=20 sample=200 seed=2025" ]; then
        BENCH_DB=rebate_bench
    else
        BENCH_DB="rebate_bench_${BENCH_CUSTOMERS}c_${BENCH_AGREEMENTS}a_${BENCH_INVOICES}i_${BENCH_LINES}l"
        [ "$BENCH_PRODUCTS$BENCH_SAMPLE$BENCH_SEED" = 2002002025 ] \
            || BENCH_DB+="_${BENCH_PRODUCTS}p_${BENCH_SAMPLE}s_${BENCH_SEED}"
    fi
fi
if [ -n "${BENCH_OCA_ADDONS:-}" ]; then
    [ -f "$BENCH_OCA_ADDONS/agreement_rebate/__manifest__.py" ] \
        || die "no agreement_rebate in $BENCH_OCA_ADDONS (see bench/get-oca-addons.sh)"
    ADDONS_PATH+=",$(cd "$BENCH_OCA_ADDONS" && pwd)"
    # OCA's modules change invoicing (refund links): never in the plain databases
    BENCH_DB+="_oca"
fi
export BENCH_DB

"$ROOT/scripts/pg.sh"

db_query() { psql -d "$BENCH_DB" -tAc "$1" 2>/dev/null || true; }

installed=$(db_query "SELECT 1 FROM ir_module_module WHERE name = 'rebate_management' AND state = 'installed'")
state=""
if [ "$installed" = 1 ]; then
    state=$(db_query "SELECT value FROM ir_config_parameter WHERE key = 'rebate_bench.state'")
fi

rebuild=0
if [ "${BENCH_RESET:-0}" = 1 ]; then
    rebuild=1
elif [ "$installed" != 1 ]; then
    rebuild=1
elif [ "$state" = generating ]; then
    say "Database $BENCH_DB holds an interrupted generation: rebuilding it"
    rebuild=1
elif [ -n "$state" ] && [ "$state" != "ready $SIGNATURE" ]; then
    die "database $BENCH_DB holds other benchmark data ($state);
       use --reset to rebuild it, or --db NAME for another database"
fi

# The addon's code as installed in the database: when it changed since, the
# module is updated (-u) before the run, so new fields and data are there.
addon_hash=$(cd "$ROOT" && find rebate_management -type f \
    \( -name '*.py' -o -name '*.xml' -o -name '*.csv' \) -print0 \
    | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-16)
odoo_args=(--stop-after-init --log-level=warn --http-interface=127.0.0.1
    --http-port="${BENCH_HTTP_PORT:-18169}")

if [ "$rebuild" = 1 ]; then
    say "Creating database $BENCH_DB: rebate_management without demo data (a few minutes)"
    dropdb --if-exists "$BENCH_DB"
    rm -rf "$ODOO_DATA_DIR/filestore/$BENCH_DB"
    odoo_cmd -d "$BENCH_DB" -i rebate_management --without-demo=all "${odoo_args[@]}"
else
    [ -n "$state" ] && say "Reusing database $BENCH_DB ($SIGNATURE)"
    stored_hash=$(db_query "SELECT value FROM ir_config_parameter WHERE key = 'rebate_bench.addon_hash'")
    if [ "$stored_hash" != "$addon_hash" ]; then
        say "rebate_management changed since $BENCH_DB was last updated: updating the module"
        odoo_cmd -d "$BENCH_DB" -u rebate_management "${odoo_args[@]}"
    fi
fi
if [ -n "${BENCH_OCA_ADDONS:-}" ] && [ "$(db_query "SELECT state FROM ir_module_module WHERE name = 'agreement_rebate'")" != installed ]; then
    say "Installing OCA's agreement_rebate in $BENCH_DB"
    odoo_cmd -d "$BENCH_DB" -i agreement_rebate --without-demo=all "${odoo_args[@]}"
fi
psql -q -d "$BENCH_DB" -c "INSERT INTO ir_config_parameter (key, value, create_date, write_date)
    VALUES ('rebate_bench.addon_hash', '$addon_hash', now(), now())
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = now()" \
    || die "cannot record the addon version in $BENCH_DB"

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
changes=$(git -C "$ROOT" status --porcelain -- rebate_management 2>/dev/null | wc -l)
export BENCH_CODE="commit $commit, $changes uncommitted change(s) in rebate_management, addon hash $addon_hash"

say "Running the benchmark on $BENCH_DB"
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" "$ROOT/bench/rebate_bench.py" \
    --addons-path="$ADDONS_PATH" --data-dir="$ODOO_DATA_DIR" \
    --db_host="$PGHOST" --db_port="$PGPORT" \
    --db_user="$PGUSER" --db_password="${PGPASSWORD:-}" \
    -d "$BENCH_DB" --log-level=warn
