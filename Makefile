GO ?= go

# The collector set that downloads from the module mirror (README, "Versions").
CORE_VERSION   := v0.161.0
STABLE_VERSION := v1.67.0

.PHONY: test
test: check-pins
	$(GO) vet ./...
	$(GO) test -race ./...

# Fails when a collector module drifted off the pinned set (go mod tidy can pull
# a newer one for a missing package, and newer versions are incomplete here).
.PHONY: check-pins
check-pins:
	@bad=$$(grep -E 'go\.opentelemetry\.io/collector/' go.mod | grep -vE '$(CORE_VERSION)|$(STABLE_VERSION)'); \
	if [ -n "$$bad" ]; then echo "collector modules off the pinned set:"; echo "$$bad"; exit 1; fi

# Snap collector modules back to the pinned set after adding imports.
.PHONY: pin
pin:
	CORE_VERSION=$(CORE_VERSION) STABLE_VERSION=$(STABLE_VERSION) ./scripts/pin-collector.sh
	$(GO) mod tidy
	CORE_VERSION=$(CORE_VERSION) STABLE_VERSION=$(STABLE_VERSION) ./scripts/pin-collector.sh
