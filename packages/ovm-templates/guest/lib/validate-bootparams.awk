# Checks that a bootparams.conf holds nothing but KEY='literal' entries before the shell sources it.
# A value is POSIX single-quoted text: any characters (newlines too) up to the closing quote, where
# '\'' stands for a quote inside the value. Whatever follows a closing quote on its line, other than
# '\'' or the end of the line, could be executed by the shell, so it is refused.
# Output: nothing and exit 0 when the file is valid; one line saying what is wrong and exit 1 otherwise.

function refuse(reason) {
  print reason
  refused = 1
  exit 1
}

# Consumes the rest of a line that lies inside a value; leaves in_value set when the value goes on.
function scan_value(text, quote_at, after) {
  while (1) {
    quote_at = index(text, "'")
    if (quote_at == 0) return
    after = substr(text, quote_at + 1)
    if (after == "") {
      in_value = 0
      return
    }
    if (substr(after, 1, 3) == "\\''") {
      text = substr(after, 4)
      continue
    }
    if (substr(after, 1, 1) == "\r") refuse("line " NR ": carriage return after the value of " key " (DOS line ending)")
    refuse("line " NR ": text after the closing quote of " key " (only KEY='value' is allowed)")
  }
}

{
  if (in_value) {
    scan_value($0)
    next
  }
  if ($0 == "") next
  if (!match($0, /^[A-Z][A-Z0-9_]*='/)) refuse("line " NR ": not a KEY='value' entry")
  key = substr($0, 1, RLENGTH - 2)
  if (substr(key, 1, 4) != "IMS_") refuse("line " NR ": key " key " is not an IMS_ key")
  if (key in seen) refuse("line " NR ": key " key " appears twice")
  seen[key] = 1
  value_starts = NR
  in_value = 1
  scan_value(substr($0, RLENGTH + 1))
}

END {
  if (refused) exit 1
  if (in_value) refuse("the value of " key " (line " value_starts ") has no closing quote")
}
