"""A workload is a rangefarm subcommand and its arguments, as the user wrote
them ("perfect --to 1e7 --method trial"). The sweep treats it as opaque
text: it only appends the options it owns (--schedule, --chunk, --json,
--quiet), and weak scaling changes the one size argument (weak.py), so a
new subcommand such as synthetic needs nothing here."""
import dataclasses
import shlex

from .errors import UsageError

# Set by the sweep for every run; a workload must leave them out.
SWEEP_OPTIONS = ("--schedule", "--chunk", "--json", "--checkpoint", "--resume")
# Options that take no value, so the word after them is a positional.
FLAGS = frozenset({"--quiet", "--progress", "--resume", "--sleep", "--spin"})


@dataclasses.dataclass(frozen=True)
class Workload:
    subcommand: str
    args: tuple

    @classmethod
    def parse(cls, text):
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise UsageError(f"--workload {text!r}: {exc}") from None
        if not words or words[0].startswith("-"):
            raise UsageError(f"--workload {text!r}: start with a subcommand, "
                             "e.g. --workload \"perfect --to 1e9\"")
        for word in words[1:]:
            name = word.split("=", 1)[0]
            if name in SWEEP_OPTIONS:
                raise UsageError(f"--workload {text!r}: leave out {name}; the sweep sets it "
                                 "(see --schedules and --chunks)")
        return cls(words[0], tuple(words[1:]))

    def text(self):
        return shlex.join((self.subcommand,) + self.args)

    def option(self, name, default=None):
        """The value of option name (--to 5 or --to=5), else default."""
        args = self.args
        for i, word in enumerate(args):
            if word == name and i + 1 < len(args):
                return args[i + 1]
            if word.startswith(name + "="):
                return word.split("=", 1)[1]
        return default

    def with_option(self, name, value):
        """This workload with option name set to value (replaced or added)."""
        args = list(self.args)
        for i, word in enumerate(args):
            if word == name and i + 1 < len(args):
                args[i + 1] = str(value)
                return dataclasses.replace(self, args=tuple(args))
            if word.startswith(name + "="):
                args[i] = f"{name}={value}"
                return dataclasses.replace(self, args=tuple(args))
        return dataclasses.replace(self, args=tuple(args + [name, str(value)]))

    def positionals(self):
        """Indices in args of the words that are no option and no option's value."""
        found, skip = [], False
        for i, word in enumerate(self.args):
            if skip:
                skip = False
            elif word.startswith("--"):
                skip = "=" not in word and word not in FLAGS
            else:
                found.append(i)
        return found

    def with_positional(self, index, value):
        """This workload with args[index] replaced by value."""
        args = list(self.args)
        args[index] = str(value)
        return dataclasses.replace(self, args=tuple(args))
