-- Whether the stored returns include demo values, as the publication step found it (part 'demo' of the derived
-- quality findings: a JSON list holding one boolean).
-- At most one row: payload. No parameters.
SELECT payload FROM visible_derived_quality_findings WHERE part = 'demo' AND row_no = 0;
