# authtrail: `make run` starts the collector locally, `make test` passes the tests.
GO ?= go
BIN := $(CURDIR)/bin
TOOLS := $(CURDIR)/.tools
OCB := $(TOOLS)/builder
MDATAGEN := $(TOOLS)/mdatagen
VICTORIALOGS := $(TOOLS)/victoria-logs
OTELCOL := $(BIN)/otelcol-authtrail
SIM := $(BIN)/authtrail-sim
DIST := cmd/otelcol-authtrail

# The collector release the module and the distribution build on (README,
# "Building"): core, stable and contrib modules all of one release.
CORE_VERSION    := v0.165.0
STABLE_VERSION  := v1.71.0
CONTRIB_VERSION := v0.165.1
# bench/ottl alone keeps contrib's transform processor (and pkg/ottl) at v0.161.0,
# beside the same core: its v0.165 dependencies (pkg/ottl/contexts/xprofile,
# pkg/expohisto) are not served.
OTTL_CONTRIB_VERSION := v0.161.0

# Fuzzing per decoder in `make test`, counted in executions: a duration budget
# races the fuzz coordinator's deadline on Go 1.26 and fails with "context
# deadline exceeded" without any failing input (golang/go#75804, fixed in 1.27).
FUZZTIME ?= 60000x

COMPONENTS := internal/webhook internal/poll receiver/vgsreceiver receiver/asgardeoreceiver receiver/authgearreceiver receiver/googleworkspacereceiver processor/identityprocessor
# Fuzz targets as package:Target, one run each.
SRC := internal/sources
FUZZ_TARGETS := $(SRC)/vgs:FuzzDecode $(SRC)/asgardeo:FuzzDecode $(SRC)/authgear:FuzzDecodePage \
	$(SRC)/authgear:FuzzDecodeEvent $(SRC)/googleworkspace:FuzzDecodeJSON $(SRC)/fillout:FuzzDecode \
	processor/identityprocessor:FuzzNormalize processor/identityprocessor:FuzzRecord

.PHONY: all
all: otelcol sim

# --- tools (pinned in internal/tools/go.mod) ---------------------------------
$(OCB) $(MDATAGEN): internal/tools/go.mod
	cd internal/tools && GOBIN=$(TOOLS) $(GO) install go.opentelemetry.io/collector/cmd/builder go.opentelemetry.io/collector/cmd/mdatagen

.PHONY: tools
tools: $(OCB) $(MDATAGEN)

# VictoriaLogs, the log store of `make run` and of the end-to-end tests, pinned in
# its own module (internal/tools/victorialogs/go.mod) so that its dependencies
# never meet the collector's. The first build takes about a minute; later ones
# come from Go's build cache.
$(VICTORIALOGS): internal/tools/victorialogs/go.mod
	cd internal/tools/victorialogs && GOBIN=$(TOOLS) $(GO) install github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs

.PHONY: victorialogs
victorialogs: $(VICTORIALOGS)

# --- build ---------------------------------------------------------------------
# ocb writes the sources and cmd/otelcol-authtrail/go.mod and tidies it; the
# build goes to bin/.
.PHONY: otelcol
otelcol: $(OCB)
	$(OCB) --config builder-config.yaml --skip-compilation >/dev/null
	cd $(DIST) && $(GO) build -trimpath -o $(OTELCOL) .

.PHONY: sim
sim:
	$(GO) build -o $(SIM) ./cmd/authtrail-sim

.PHONY: generate
generate: $(MDATAGEN)
	for c in $(COMPONENTS); do (cd $$c && $(MDATAGEN) metadata.yaml) || exit 1; done

# --- run -------------------------------------------------------------------------
# VictoriaLogs and the JSON-lines sink beside the collector; Ctrl-C stops all
# three. VictoriaLogs' data stays in tmp/victorialogs (the demo's samples are
# months old, hence the retention); the sink appends to tmp/authtrail-events.jsonl.
VL_ADDR ?= 127.0.0.1:9428
.PHONY: run
run: otelcol sim victorialogs
	@mkdir -p tmp/replay/fillout
	$(SIM) keygen -out tmp/authgear-admin-key.pem -google-out tmp/google-service-account.json
	@$(VICTORIALOGS) -storageDataPath=tmp/victorialogs -httpListenAddr=$(VL_ADDR) -retentionPeriod=100y \
	  -loggerLevel=WARN >tmp/victorialogs.log 2>&1 & vl=$$!; \
	  $(SIM) sink -listen 127.0.0.1:8472 -out tmp/authtrail-events.jsonl >tmp/sink.log 2>&1 & sink=$$!; \
	  trap 'kill $$vl $$sink 2>/dev/null; wait $$vl $$sink' EXIT INT TERM; \
	  echo "VictoriaLogs on http://$(VL_ADDR) (web UI: http://$(VL_ADDR)/select/vmui, log: tmp/victorialogs.log)"; \
	  VICTORIALOGS_ENDPOINT=http://$(VL_ADDR) $(OTELCOL) --config examples/local/config.yaml

# Feeds `make run` (in another terminal): every documented webhook sample and
# generated ones, signed as the vendors sign them; a mock Authgear Admin API and
# Google Reports API (200-row backlogs; new Authgear rows each second) for
# DEMO_SECONDS; and Fillout's documented audit-log samples as an export to replay
# (one JSON event per line, written aside and renamed so it is read whole; the
# same content again is the same file to filelog, so it is not read twice).
DEMO_SECONDS ?= 30
.PHONY: demo
demo: sim
	@mkdir -p tmp/replay/fillout
	@for f in testdata/fillout/*.json; do tr -d '\n' < $$f; echo; done > tmp/replay/fillout/.demo.tmp && \
	  mv tmp/replay/fillout/.demo.tmp tmp/replay/fillout/demo.jsonl
	$(SIM) serve -authgear 127.0.0.1:8470 -authgear-key tmp/authgear-admin-key.pem \
	  -google 127.0.0.1:8471 -google-key tmp/google-service-account.json -backlog 200 -backlog-span 6h -rate 1 & \
	  pid=$$!; trap "kill $$pid" EXIT; \
	  $(SIM) send -vendor asgardeo -secret local-dev-secret -samples testdata/asgardeo -count 20 && \
	  $(SIM) send -vendor vgs -token-header X-Authtrail-Token -token local-dev-token -samples testdata/vgs -count 20 && \
	  echo "serving the mock Authgear and Google APIs for $(DEMO_SECONDS)s; the collector polls them" && sleep $(DEMO_SECONDS)

# --- test --------------------------------------------------------------------------
.PHONY: test
test: check-selfcontained check-pins unit e2e fuzz

.PHONY: unit
unit:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/...
	$(GO) test -race -count=1 ./...
	# The OTTL comparison's own tests: its programs produce what the processor does.
	cd bench/ottl && $(GO) vet . && $(GO) test -count=1 .

.PHONY: e2e
e2e: otelcol sim victorialogs
	AUTHTRAIL_OTELCOL=$(OTELCOL) AUTHTRAIL_SIM=$(SIM) AUTHTRAIL_VICTORIALOGS=$(VICTORIALOGS) $(GO) test -tags e2e -count=1 -timeout 30m -v ./test/e2e/

.PHONY: fuzz
fuzz:
	for t in $(FUZZ_TARGETS); do \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5000x ./$${t%%:*} || exit 1; \
	done

.PHONY: bench
bench: otelcol sim
	./scripts/bench.sh

# Fails when a Go file, script, Makefile or CI file reaches outside the repository
# (a clone has nothing beside it) or a comment cites what a reader cannot open;
# the selftest first proves the check catches each kind of fault.
.PHONY: check-selfcontained
check-selfcontained:
	@./scripts/check-selfcontained.sh --selftest
	./scripts/check-selfcontained.sh

# Fails when a collector module drifted off the pinned release (go mod tidy can
# pull a newer one for a missing package, and newer versions are incomplete
# here). bench/ottl's contrib modules are checked against OTTL_CONTRIB_VERSION.
CORE_MODS    := '^[[:space:]]*(require[[:space:]]+)?go\.opentelemetry\.io/collector/'
CONTRIB_MODS := '^[[:space:]]*(require[[:space:]]+)?github\.com/open-telemetry/opentelemetry-collector-contrib/'
.PHONY: check-pins
check-pins:
	@bad=$$(grep -hE $(CORE_MODS) go.mod $(DIST)/go.mod bench/ottl/go.mod | grep -vE '$(CORE_VERSION)|$(STABLE_VERSION)'; \
	  grep -hE $(CONTRIB_MODS) go.mod $(DIST)/go.mod | grep -vE '$(CONTRIB_VERSION)'; \
	  grep -hE $(CONTRIB_MODS) bench/ottl/go.mod | grep -vE '$(OTTL_CONTRIB_VERSION)'); \
	if [ -n "$$bad" ]; then echo "collector modules off the pinned set:"; echo "$$bad"; exit 1; fi

# Snap collector modules back to the pinned set after adding imports.
.PHONY: pin
pin:
	CORE_VERSION=$(CORE_VERSION) STABLE_VERSION=$(STABLE_VERSION) ./scripts/pin-collector.sh
	$(GO) mod tidy
	CORE_VERSION=$(CORE_VERSION) STABLE_VERSION=$(STABLE_VERSION) ./scripts/pin-collector.sh

.PHONY: clean
clean:
	rm -rf $(BIN) tmp
