#!/bin/sh
# check_ui - the static UI obeys the Content-Security-Policy the server
# sends (no inline script, no inline style, no inline event handlers, no
# eval) and every asset a page references exists.
# usage: check_ui.sh WEB_DIR
set -u
dir=$1
fail=0
bad() { echo "FAIL: $*"; fail=1; }

for f in $(find "$dir" -name '*.html'); do
    # every <script> must have a src
    if grep -Eio '<script[^>]*>' "$f" | grep -viq 'src='; then
        bad "$f: inline <script>"
    fi
    grep -Eiq '<style' "$f" && bad "$f: <style> element"
    grep -Eiq '[[:space:]]style=' "$f" && bad "$f: style attribute"
    grep -Eiq '[[:space:]]on[a-z]+=' "$f" && bad "$f: inline event handler"
    grep -Eiq 'javascript:' "$f" && bad "$f: javascript: URL"
    for ref in $(grep -Eo '(src|href)="/[^"]*"' "$f" | sed -E 's/^(src|href)="//; s/"$//'); do
        [ -f "$dir$ref" ] || bad "$f: missing $ref"
    done
done
for f in $(find "$dir" -name '*.js'); do
    grep -Eq '(^|[^.a-zA-Z])eval\(|new Function\(|innerHTML|outerHTML|document\.write' "$f" &&
        bad "$f: eval, innerHTML or document.write"
    for ref in $(grep -Eo "from '\./[^']*'" "$f" | sed -E "s/^from '\.\///; s/'$//"); do
        [ -f "$(dirname "$f")/$ref" ] || bad "$f: missing import $ref"
    done
done
[ -f "$dir/index.html" ] || bad "no index.html"
[ -f "$dir/admin/index.html" ] || bad "no admin/index.html"
if [ $fail -eq 0 ]; then echo "ui: ok"; fi
exit $fail
