import configCatalog from '../../../../config/catalog.json';
import { CatalogError, licensesWithinBounds, parseCatalog, serviceOf } from './catalog';
import { testCatalog } from '../testing/fixtures';
import { DomainError } from '../shared/errors';

const service = {
  offerId: 'office-business-basic',
  name: 'Office Business Basic',
  trial: { days: 30, seats: 25 },
  minLicenses: 1,
  maxLicenses: 300,
  termMonths: 12,
};

const problemsOf = (json: unknown): readonly string[] => {
  try {
    parseCatalog(json);
  } catch (e) {
    expect(e).toBeInstanceOf(CatalogError);
    return (e as CatalogError).problems;
  }
  throw new Error('expected the catalog to be refused');
};

describe('parseCatalog', () => {
  it('accepts the shipped config/catalog.json (the API loads it at boot)', () => {
    const catalog = parseCatalog(configCatalog);
    expect(catalog.services.map((s) => s.offerId)).toEqual([
      'office-business-basic',
      'office-business-standard',
      'office-business-premium',
      'exchange-online-plan-1',
      'teams-essentials',
      'project-plan-3',
    ]);
    expect(catalog.byId.get('teams-essentials')?.trial).toBeNull();
    expect(catalog.byId.get('project-plan-3')).toMatchObject({
      trial: { days: 60, seats: 10 },
      minLicenses: 5,
    });
  });

  it('builds services by id, a missing or null trial meaning "no trial"', () => {
    const { trial: _trial, ...noTrial } = service;
    const catalog = parseCatalog({
      services: [service, { ...noTrial, offerId: 'a' }, { ...service, offerId: 'b', trial: null }],
    });
    expect(catalog.byId.get('office-business-basic')).toEqual(service);
    expect(catalog.byId.get('a')?.trial).toBeNull();
    expect(catalog.byId.get('b')?.trial).toBeNull();
  });

  it('trims names', () => {
    expect(parseCatalog({ services: [{ ...service, name: '  Basic ' }] }).services[0].name).toBe('Basic');
  });

  it('refuses what is not an object with services', () => {
    expect(problemsOf(null)).toEqual(['the catalog must be an object with a "services" array']);
    expect(problemsOf([])).toEqual(['the catalog must be an object with a "services" array']);
    expect(problemsOf({})).toEqual(['"services" must be a non-empty array']);
    expect(problemsOf({ services: [] })).toEqual(['"services" must be a non-empty array']);
  });

  it('lists every problem at once, naming where', () => {
    const problems = problemsOf({
      extra: 1,
      services: [
        'nope',
        { ...service, offerId: 'Bad Id', name: ' ', termMonths: 0 },
        { ...service, minLicenses: 10, maxLicenses: 5, trailDays: 30 },
        { ...service, trial: { days: 0, seats: 1000, weeks: 1 } },
        { ...service, trial: 'yes' },
        { ...service, minLicenses: 1.5, maxLicenses: '300' },
      ],
    });
    expect(problems).toEqual([
      'unknown property "extra" at the top level',
      'services[0] must be an object',
      'services[1] (Bad Id).offerId must be a kebab-case string',
      'services[1] (Bad Id).name must be a non-empty string',
      'services[1] (Bad Id).termMonths must be an integer from 1 to 60',
      'services[2] (office-business-basic): unknown property "trailDays"',
      'services[2] (office-business-basic): minLicenses (10) exceeds maxLicenses (5)',
      'services[2] (office-business-basic).trial.seats must be an integer from 1 to 5',
      'services[3] (office-business-basic).offerId is a duplicate',
      'services[3] (office-business-basic).trial: unknown property "weeks"',
      'services[3] (office-business-basic).trial.days must be an integer from 1 to 365',
      'services[3] (office-business-basic).trial.seats must be an integer from 1 to 300',
      'services[4] (office-business-basic).offerId is a duplicate',
      'services[4] (office-business-basic).trial must be an object { days, seats } or null',
      'services[5] (office-business-basic).offerId is a duplicate',
      'services[5] (office-business-basic).minLicenses must be an integer from 1 to 1000000',
      'services[5] (office-business-basic).maxLicenses must be an integer from 1 to 1000000',
    ]);
  });

  it('puts every problem in the error message', () => {
    expect(() => parseCatalog({ services: [{ ...service, termMonths: 61 }] })).toThrow(
      /Invalid catalog:\n {2}- services\[0\] \(office-business-basic\)\.termMonths must be an integer from 1 to 60/,
    );
  });
});

describe('serviceOf / license bounds', () => {
  it('finds a service by offer id', () => {
    expect(serviceOf(testCatalog, 'project-plan-3').minLicenses).toBe(5);
  });

  it('refuses an unknown offer with unknown-offer', () => {
    expect(() => serviceOf(testCatalog, 'office-ultimate')).toThrow(DomainError);
    try {
      serviceOf(testCatalog, 'office-ultimate');
    } catch (e) {
      expect(e).toMatchObject({ code: 'unknown-offer', kind: 'rule', facts: { offerId: 'office-ultimate' } });
    }
  });

  it('bounds are inclusive and whole', () => {
    const p3 = serviceOf(testCatalog, 'project-plan-3');
    expect([4, 5, 10000, 10001, 5.5].map((n) => licensesWithinBounds(p3, n))).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
  });
});
