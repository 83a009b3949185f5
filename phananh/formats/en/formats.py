# English pages keep the local dd/mm/yyyy order so dates read the same in both
# languages; only the number separators differ.
from phananh.formats.vi.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
