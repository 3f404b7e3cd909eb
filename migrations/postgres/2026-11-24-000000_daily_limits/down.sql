DROP INDEX disclosures_by_official;
