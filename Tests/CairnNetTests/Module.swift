// Tests for CairnNetTests.
