// Split a command line into words the way a POSIX shell would for quoting purposes only: '...' is literal,
// "..." honours \" \\ \$ \` and line continuations, a backslash outside quotes escapes the next character.
// No expansion of any kind happens: `command: echo $HOME` passes the four characters `$HOME` to echo.

export class SplitError extends Error {
  override readonly name = "SplitError";
}

export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new SplitError("unterminated single quote");
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const d = line[j]!;
        if (d === "\\" && j + 1 < line.length && '"\\$`\n'.includes(line[j + 1]!)) {
          if (line[j + 1] !== "\n") word += line[j + 1];
          j++;
        } else {
          word += d;
        }
      }
      if (j >= line.length) throw new SplitError("unterminated double quote");
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new SplitError("trailing backslash");
      const next = line[i + 1]!;
      i++;
      if (next === "\n") continue;
      word += next;
      inWord = true;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
