#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Repository hygiene: fails when a tracked file
#   1. names an absolute path of a build machine (a home or work directory, a toolchain
#      installed under /opt, a job directory under /tmp), or
#   2. cites a document the repository does not contain: a `NAME.md` whose name no tracked
#      file has, a relative Markdown link whose target does not exist, or a path that climbs
#      out of the repository into a sibling `shared/` directory.
# Paths inside URLs (https://host/home/...) and ordinary system paths (/usr/local, /tmp/x-XXXXXX,
# /etc, /dev/null) are not machine paths and pass.
#
#   bash tests/hygiene.sh          check the git-tracked files (every file when not in git)
#   bash tests/hygiene.sh FILE...  check only these files
set -uo pipefail
cd "$(dirname "$0")/.."

if [[ $# -gt 0 ]]; then
    files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files)
else
    mapfile -t files < <(find . -path ./target -prune -o -path ./.git -prune -o -type f -print | sed 's|^\./||')
fi

failed=0
report() { # file:line:text, what
    echo "FAIL $2: $1"
    failed=$((failed + 1))
}

# The names of every tracked Markdown file (a citation of NAME.md must be one of them).
declare -A md_names=()
while IFS= read -r f; do md_names[$(basename "$f")]=1; done < <(
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then git ls-files '*.md'
    else find . -path ./target -prune -o -name '*.md' -print; fi)

# A path starts at the beginning of a line or after a character that cannot belong to a URL
# host or path (space, quote, backtick, bracket, '=', ':', ',' ...). So "https://x.org/home/a/"
# and "$HOME/work/" pass, while "/home/alice/", "`/work/x`" and "PATH=/opt/swift/bin" fail.
B='(^|[^A-Za-z0-9_.~%/$@+-])'
machine_path="$B(/work/|/root/|/home/[a-z_][a-z0-9_.-]*/|/Users/[A-Za-z0-9_.-]+/|/opt/swift|/tmp/bash_jobs|/shared/(design|reference|vendor|tools)/)"
outside_doc='(^|[^A-Za-z0-9_.-])\.\./+(\.\./+)*shared/'

# The patterns themselves: each line of bad must match, no line of good may.
bad=('see /work/shared/design/x' '`/root/.cargo/bin`' 'PATH=/opt/swift/usr/bin:$PATH'
     'cd /home/alice/src' '/tmp/bash_jobs.0/12/stdout' 'open("/Users/bob/lib")')
good=('PREFIX ?= /usr/local' 'https://example.org/home/alice/x' 'mktemp -d /tmp/fastgpt-bench.XXXXXX'
      '$HOME/work/x' 'cargo build --release' 'target/release/fastgpt-devserver' '/dev/null')
for l in "${bad[@]}"; do grep -qE "$machine_path" <<<"$l" || { echo "FAIL self-test: '$l' passes"; exit 1; }; done
for l in "${good[@]}"; do ! grep -qE "$machine_path" <<<"$l" || { echo "FAIL self-test: '$l' fails"; exit 1; }; done
grep -qE "$outside_doc" <<<'see ../shared/design/c-api.md' || { echo "FAIL self-test: ../shared"; exit 1; }

# Text files to check (binary files and the licence texts are skipped; this file spells out
# the patterns).
text=()
for f in "${files[@]}"; do
    [[ -f $f ]] || continue
    case $f in tests/hygiene.sh | LICENSE-*) continue ;; esac
    text+=("$f")
done

# The documents of the C API contract's authors that live outside the repository: cited by
# name anywhere (a comment "see c-api.md §6"), they point at nothing.
outside_names='(c-api|fastgpt-wire|fastgpt-versions|python-sdk|python-sdk-chat_client|peers|cabi-anchors)\.md'

scan() { # what regex: every hit in every text file
    local what=$1 re=$2 hit
    while IFS= read -r hit; do report "$hit" "$what"; done \
        < <(printf '%s\0' "${text[@]}" | xargs -0 grep -nHIE -- "$re" | cut -c1-220)
}
scan "machine path" "$machine_path"
# One exception: CI builds from the crates vendored beside the checkout, through the tool
# that lives there (.ci/run runs it only when it exists).
while IFS= read -r hit; do
    [[ $hit =~ ^\.ci/run:[0-9]+:.*\.\./shared/tools/offline-crates ]] && continue
    report "$hit" "path outside the repository"
done < <(printf '%s\0' "${text[@]}" | xargs -0 grep -nHIE -- "$outside_doc" | cut -c1-220)
while IFS= read -r hit; do
    name=$(grep -oE "$outside_names" <<<"${hit#*:*:}" | head -n 1)
    [[ -n ${md_names[$name]:-} ]] || report "$hit" "cites $name, which the repository does not contain"
done < <(printf '%s\0' "${text[@]}" | xargs -0 grep -nHIE -- "(^|[^A-Za-z0-9_-])$outside_names" | cut -c1-220)

# In Markdown files: every NAME.md mentioned outside a URL, and every relative link
# ([text](path) or [text](path#anchor)), must name a file of the repository.
for f in "${text[@]}"; do
    [[ $f == *.md ]] || continue
    dir=$(dirname "$f")
    while IFS= read -r hit; do
        line=${hit%%:*}
        t=$(sed -E 's#[a-z][a-z0-9+.-]*://[^ )>"`]*##g' <<<"${hit#*:}")   # drop URLs
        for name in $(grep -oE '[A-Za-z0-9_.-]+\.md\b' <<<"$t" | sort -u); do
            grep -qxE "$outside_names" <<<"$name" && continue     # reported above
            [[ -n ${md_names[$name]:-} ]] || report "$f:$line: $name" "cites a document the repository does not contain"
        done
    done < <(grep -nE '[A-Za-z0-9_-]\.md\b' "$f")
    while IFS= read -r hit; do
        line=${hit%%:*}
        target=${hit#*:}
        target=${target#](}
        target=${target%)}
        target=${target%%#*}
        [[ -z $target || $target == *://* || $target == mailto:* ]] && continue
        [[ -e $dir/$target ]] || report "$f:$line: $target" "broken relative link"
    done < <(grep -noE '\]\([^)[:space:]]+\)' "$f")
done

if [[ $failed -eq 0 ]]; then
    echo "PASS hygiene: ${#text[@]} files name no machine path and cite only documents they contain"
else
    echo "$failed hygiene problem(s)"
    exit 1
fi
