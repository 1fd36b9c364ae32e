"""Search over guides, FAQ and procedures: one ranked index built once from the content.

How a question is matched (see query.py and index.py):

- text is NFC-normalised, lower-cased and folded to ASCII (đ -> d, marks dropped); the i/y
  spellings of a final syllable ("ký"/"kí", "quý"/"quí") are made one;
- synonyms and abbreviations from content/vi/synonyms.yaml ("gplx", "sổ đỏ", "mức độ 4") are
  read as an alternative to the words typed, scoring like the words they replace;
- a word the content does not have is corrected within one edit (4+ letters) or two edits
  (8+ letters, rapidfuzz OSA distance), except that a word shaped like a real Vietnamese
  syllable is only corrected where the correction forms a known pair with a neighbour
  ("mat khua" -> "mật khẩu", but "nuôi rồng" stays unknown); "dangky" is split into "dang ky";
- documents are scored with BM25F, title over keywords over body, and the best 40 re-ranked
  with bonuses for the question's word pairs, the whole question as (part of) a title or
  keyword, and the share of the title it covers;
- each hit carries its evidence, the idf-weighted share of the question's words it matches
  (filler words such as "tôi muốn hỏi" do not count), and a confidence, the chance it is the
  right answer, calibrated on labelled questions from that share, the score and the lead over
  the other hits (calibration.py), which the handlers compare with
  DVCBOT_SEARCH_MIN_CONFIDENCE.
"""

from bot.search.documents import Document, documents_from
from bot.search.index import SearchIndex, build_index

__all__ = ["Document", "SearchIndex", "build_index", "documents_from"]
