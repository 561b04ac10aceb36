-- The actions of the national grids (a contract's own actions, which carry a territory, are left out): what the
-- France page groups the target statuses by.
-- One row per (programme, action). No parameters.
SELECT programme, axis, code, label
FROM action
WHERE territory IS NULL
ORDER BY programme, rowid;
