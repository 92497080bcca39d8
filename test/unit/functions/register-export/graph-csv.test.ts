import { describe, expect, it } from 'vitest';
import { csvRecords, headerColumn } from '#functions/register-export/graph-csv.ts';

// The Neptune loader's CSV header ("Using CSV data": `name:Type`, `name:Type[]`, types not case
// sensitive, `\:` in a name) as the types Athena's OpenCSVSerDe reads.

describe('a CSV loader header cell', () => {
  it.each([
    ['~id', '~id', 'string'],
    ['~label', '~label', 'string'],
    ['~from', '~from', 'string'],
    ['age:Int', 'age', 'int'],
    ['age:int', 'age', 'int'],
    ['b:Byte', 'b', 'int'],
    ['s:Short', 's', 'int'],
    ['n:Long', 'n', 'bigint'],
    ['f:Float', 'f', 'double'],
    ['d:Double', 'd', 'double'],
    ['ok:Bool', 'ok', 'boolean'],
    ['ok:Boolean', 'ok', 'boolean'],
    ['name:String', 'name', 'string'],
    ['day:Date', 'day', 'string'],
    ['at:DateTime', 'at', 'string'],
    ['mixed:Any', 'mixed', 'string'],
    ['emails:String[]', 'emails', 'string'],
    ['scores:Int(set)', 'scores', 'string'],
    ['score:Int(single)', 'score', 'int'],
    ['a\\:b:Int', 'a:b', 'int'],
    ['untyped', 'untyped', 'string'],
  ])('%s is column %s of type %s', (cell, name, type) => {
    expect(headerColumn(cell)).toEqual({ name, type, header: cell });
  });
});

describe('CSV records', () => {
  it('reads quoted fields with separators, doubled quotes and line breaks', () => {
    expect(csvRecords('a,"b, ""c""",d\r\n"x\ny",2\n', true)).toEqual([
      ['a', 'b, "c"', 'd'],
      ['x\ny', '2'],
    ]);
  });

  it('leaves out the last record of a sample that may end inside it', () => {
    expect(csvRecords('h1,h2\n1,2\n3,', false)).toEqual([
      ['h1', 'h2'],
      ['1', '2'],
    ]);
  });
});
