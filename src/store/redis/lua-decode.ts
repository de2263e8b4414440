/**
 * A Lua function for the stores' scripts: a record's JSON as a table, or nil when it is none
 * (not JSON, or not an object). Redis is shared, so what a script reads back may have been
 * written by something else; `cjson.decode` of it would fail the script, and with it every
 * command that reads the record (a session's requests, a quota's eviction) until it expired.
 */
export const DECODED = `
local function decoded(v)
  local ok, value = pcall(cjson.decode, v)
  if ok and type(value) == 'table' then return value end
  return nil
end
`;
