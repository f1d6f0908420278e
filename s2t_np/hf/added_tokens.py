"""Added tokens: text matched whole before SentencePiece sees it (transformers' `AddedToken` and `Trie`).

An added token is a special token (``<s> <pad> </s> <unk>``, the ``<lang:xx>`` tags) or any
``added_tokens_decoder`` entry of a tokenizer config. Encoding splits the text on them first:
`AddedTokenTrie` cuts leftmost-longest (a transcription of transformers' ``Trie`` in
src/transformers/tokenization_python.py, with its exact cuts for overlapping user tokens), then
`split_on_added_tokens` applies each token's lstrip / rstrip / single_word flags as
``PythonBackend.tokenize`` does. Every chunk that is not an added token goes on to SentencePiece.
"""

from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class AddedToken:
    """A token matched whole in the input text (tokenizers.AddedToken's fields)."""

    content: str
    single_word: bool = False
    lstrip: bool = False
    rstrip: bool = False
    special: bool = False
    normalized: bool = None

    def __post_init__(self):
        if self.normalized is None:
            self.normalized = not self.special

    def __str__(self):
        return self.content

    def __repr__(self):  # tokenizers.AddedToken's
        return (
            f'AddedToken("{self.content}", rstrip={self.rstrip}, lstrip={self.lstrip}, '
            f"single_word={self.single_word}, normalized={self.normalized}, special={self.special})"
        )

    def to_dict(self):
        return {
            "content": self.content,
            "lstrip": self.lstrip,
            "normalized": self.normalized,
            "rstrip": self.rstrip,
            "single_word": self.single_word,
            "special": self.special,
        }


class AddedTokenTrie:
    """Splits text on the added tokens: a transcription of transformers' `Trie` (tokenization_python).

    It scans once, tracking partial matches by start index; at the first completed match it looks
    ahead for the longest match among the partial matches that started no later, cuts there, and
    restarts. This is leftmost-longest whenever no token is a substring of another (always the case
    for the Speech2Text special tokens and language tags); with overlapping user tokens it keeps the
    reference's exact, sometimes surprising, cuts.
    """

    def __init__(self, tokens=()):
        self.data = {}
        for token in tokens:
            self.add(token)

    def add(self, word):
        if not word:
            return
        ref = self.data
        for char in word:
            ref = ref.setdefault(char, {})
        ref[""] = 1

    def split(self, text):
        states = OrderedDict()  # start index -> trie node reached so far
        offsets = [0]
        skip = 0
        for current, current_char in enumerate(text):
            if skip and current < skip:
                continue
            to_remove = set()
            reset = False
            for start, node in states.items():
                if "" in node:
                    # a completed match: look ahead for the longest one among earlier partial matches
                    for lookstart, looknode in states.items():
                        if lookstart > start:
                            break
                        elif lookstart < start:
                            lookahead_index = current + 1
                            end = current + 1
                        else:
                            lookahead_index = current
                            end = current
                        next_char = text[lookahead_index] if lookahead_index < len(text) else None
                        if "" in looknode:
                            start = lookstart
                            end = lookahead_index
                            skip = lookahead_index
                        while next_char in looknode:
                            looknode = looknode[next_char]
                            lookahead_index += 1
                            if "" in looknode:
                                start = lookstart
                                end = lookahead_index
                                skip = lookahead_index
                            if lookahead_index == len(text):
                                break
                            next_char = text[lookahead_index]
                    offsets.append(start)
                    offsets.append(end)
                    reset = True
                    break
                elif current_char in node:
                    states[start] = node[current_char]
                else:
                    to_remove.add(start)
            if reset:
                states = {}
            else:
                for start in to_remove:
                    del states[start]
            if current >= skip and current_char in self.data:
                states[current] = self.data[current_char]
        for start, node in states.items():
            if "" in node:
                offsets.append(start)
                offsets.append(len(text))
                break
        offsets.append(len(text))
        pieces, start = [], 0
        for end in offsets:
            if start >= end:  # zero-width cut, or the reference's "bug in Trie" recovery
                continue
            pieces.append(text[start:end])
            start = end
        return pieces


def token_str(value):
    """A special token given as a str, an AddedToken or a config dict -> its text."""
    if isinstance(value, dict):
        return value["content"]
    return str(value)


def as_added_token(value, special=True):
    """A str, an AddedToken or a config dict (``{"content": ..., "lstrip": ...}``) -> an AddedToken."""
    if isinstance(value, AddedToken):
        return value
    if isinstance(value, dict):
        fields = {k: v for k, v in value.items() if k != "__type"}
        return AddedToken(**fields)
    return AddedToken(str(value), special=special)


def split_on_added_tokens(text, trie, added_tokens):
    """Text -> non-empty chunks, each added token a chunk of its own, its strip flags applied.

    ``added_tokens`` maps a token's text to its AddedToken. ``rstrip`` / ``lstrip`` strip the
    whitespace after / before the token; ``single_word`` glues the token back onto a neighbour
    that is not separated from it by a space (so it is no longer matched whole).
    """
    chunks = trie.split(text)
    for i, chunk in enumerate(chunks):
        if chunk not in added_tokens:
            continue
        added = added_tokens[chunk]
        left = chunks[i - 1] if i > 0 else None
        right = chunks[i + 1] if i < len(chunks) - 1 else None
        if added.rstrip and right:
            chunks[i + 1] = right.lstrip()
        if added.lstrip and left:
            chunks[i - 1] = left.rstrip()
        if added.single_word:
            if left and left[-1] != " ":
                chunks[i - 1] += chunk
                chunks[i] = ""
            elif right and right[0] != " ":
                chunks[i + 1] = chunk + chunks[i + 1]
                chunks[i] = ""
    return [chunk for chunk in chunks if chunk]
