#!/usr/bin/env bash
# Fails when the repository reaches outside itself or cites what a reader cannot
# open: a Go file, script, Makefile, CI file or config that names the shared
# directory beside the checkout (as a relative or absolute path, or as a
# filepath.Join of ".." and "shared"), a comment citing the research spec's numbered sections ("schema.md
# 6.8", "decision 6.10.3", "seed 002") instead of docs/schema.md, or a link to a
# docs/schema.md anchor that no heading there defines.
#
# Usage: check-selfcontained.sh [root]   (default: the repository root)
#        check-selfcontained.sh --selftest   (plants each fault in a copy and
#                                             expects the check to fail)
set -euo pipefail

check() {
	local root=$1 bad=0 hits self
	self=$(basename "$0") # names every fault it looks for
	# Markdown and testdata are excluded: prose may name the shared directory
	# when it explains why nothing reads it.
	local -a files=(-r -n -I --exclude-dir=.git --exclude-dir=testdata --exclude-dir=.tools
		--exclude-dir=bin --exclude-dir=tmp --include='*.go' --include='*.sh' --include=Makefile
		--include='*.mk' --include='*.yaml' --include='*.yml' --include=run --exclude="$self")

	if hits=$(cd "$root" && grep "${files[@]}" -E '\.\./shared|"\.\."[[:space:]]*,[[:space:]]*"shared"|/work/shared' . 2>/dev/null); then
		echo "references outside the repository (a clone has nothing beside it):"
		echo "$hits"
		bad=1
	fi
	if hits=$(cd "$root" && grep "${files[@]}" -E '(schema|vendors)\.md [0-9]|decision 6\.10|seed 00[0-9]' . 2>/dev/null); then
		echo "citations of the research spec; cite docs/schema.md#<anchor> instead:"
		echo "$hits"
		bad=1
	fi
	# GitHub's heading anchors: lower case, punctuation dropped, spaces → hyphens.
	local anchors cited a
	anchors=$(sed -nE 's/^#{1,6} +//p' "$root/docs/schema.md" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g')
	cited=$(cd "$root" && grep -rhoE --exclude-dir=.git --exclude="$self" 'schema\.md#[A-Za-z0-9_-]+' . | sed 's/.*#//' | sort -u)
	for a in $cited; do
		if ! grep -qxF -- "$a" <<<"$anchors"; then
			echo "docs/schema.md has no heading for the cited anchor #$a"
			bad=1
		fi
	done
	return $bad
}

selftest() {
	local here tmp fault
	here=$(cd "$(dirname "$0")/.." && pwd)
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	mkdir -p "$tmp/docs" "$tmp/.ci" "$tmp/pkg"
	cp "$here/docs/schema.md" "$tmp/docs/schema.md"
	echo 'package pkg // see docs/schema.md#d1-actor-and-target' >"$tmp/pkg/ok.go"
	check "$tmp" >/dev/null || { echo "selftest: a clean tree fails the check"; return 1; }
	# The planted paths are spelled through $up so that this file names none.
	local up=..
	for fault in \
		"pkg/a.go:var p = \"$up/shared/ocsf-schema-1.8.0\"" \
		'pkg/b.go:var p = filepath.Join(root, "..",  "shared", "authgear")' \
		"scripts/x.sh:cat $up/shared/authgear/adminapi-schema.graphql" \
		".ci/run:ls $up/shared" \
		'pkg/g_test.go:var p = "/work/shared/seeds"' \
		"Makefile:SCHEMA := $up/shared/ocsf" \
		'pkg/c.go:// the table of schema.md 6.8' \
		'pkg/d.go:// one record (decision 6.10.3)' \
		'pkg/e.go:// as the vendor documents it (seed 002)' \
		'pkg/f.go:// see docs/schema.md#no-such-heading'; do
		local path=${fault%%:*} line=${fault#*:}
		mkdir -p "$tmp/$(dirname "$path")"
		echo "$line" >"$tmp/$path"
		if check "$tmp" >/dev/null; then
			echo "selftest: the check misses $path: $line"
			return 1
		fi
		rm "$tmp/$path"
	done
	echo "check-selfcontained selftest: every planted fault caught"
}

if [ "${1:-}" = --selftest ]; then
	selftest
else
	check "${1:-$(cd "$(dirname "$0")/.." && pwd)}"
fi
