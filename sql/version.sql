-- realmap.version(): the library, the installed script, the server and libcurl.
SELECT library_version = extension_version AS versions_match,
       library_version ~ '^\d+\.\d+\.\d+$' AS semver,
       postgresql_version = current_setting('server_version') AS server_version,
       libcurl_version ~ '^\d+\.\d+\.\d+' AS curl_version
  FROM realmap.version();
SELECT extension_version FROM realmap.version();

-- After an upgrade without a restart the library and the script disagree: warn.
BEGIN;
UPDATE pg_extension SET extversion = '0.0.1' WHERE extname = 'realmap';
SELECT library_version <> extension_version AS differ, extension_version FROM realmap.version();
ROLLBACK;
