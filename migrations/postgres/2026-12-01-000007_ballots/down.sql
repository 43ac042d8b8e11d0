DROP TABLE ballot_counts;
DROP TABLE ballot_tallies;
DROP TABLE ballot_allocations;
DROP TABLE ballots;
