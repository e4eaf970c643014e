// Tests for CairnSimTests.
