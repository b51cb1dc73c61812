"""Synthetic demo data at the scale of a real monitoring group, for benchmarks
(`manage.py generate_demo_data`).

On an empty, freshly migrated database, `demo_data_generate()` writes, in one transaction:

- staff users for each role ("demo-editor-1"…, with unusable passwords), the topics beyond the
  two the migrations create, and the status of every country under every treaty;
- a profile for each country and topic. The first country's profile on the first topic is the
  largest, with the claims and sections asked for; the others are smaller, drawn from a skewed
  distribution. Claims, footnotes and sources are written in the Monitor's style from
  random.Random(seed), so one seed always gives the same text;
- numbered editions of every profile but a few drafts: the latest built from the working copy
  as publishing builds it (profiles.snapshots), the earlier ones plausible earlier states of it
  (fewer claims, older wording, older dates); the profiles' public state, the search index of
  the latest editions, and one withdrawn profile;
- history. Every row gets its creation record, in one import change set dated before the first
  edition; the largest profile also gets years of later edits (claims reworded, footnotes
  corrected, citations reviewed, sections renamed, pinpoints changed) in change sets of a few
  records, whose last records hold the working copy's values, then its publication.

The timeline: the import is (editions + 1) years ago, edition n of a topic's profiles is
published n years after it, so the latest edition is under a year old, and the largest
profile's edits fall between the import and its latest edition.

Rows are inserted in bulk with their history records (simple-history's bulk helpers); the
only rows written without a helper are the intermediate history records of the largest
profile, which are history themselves.

The words come from profiles/demo/vocabulary.toml. The modules, in the order a run uses them:

- generation: the options, the run's stages and its report;
- vocabulary: the words, read once;
- statuses: countries' statuses under the treaties;
- prose: sentences, headings, sources and footnotes, and editors' changes to them;
- trees: each profile's size, sections, claims and citations, in memory;
- edits: years of later edits to the largest profile;
- editions: earlier editions, and inserting editions;
- bulk: inserting rows with their creation records.
"""

from profiles.demo_data.generation import (
    DemoDataRefused,
    DemoOptions,
    DemoReport,
    demo_data_generate,
)

__all__ = ["DemoDataRefused", "DemoOptions", "DemoReport", "demo_data_generate"]
