DROP TABLE consultation_options;
DROP TABLE consultation_measures;
DROP TABLE consultation_fields;
DROP TABLE consultations;
