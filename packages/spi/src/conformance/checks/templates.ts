import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Provider, TemplateImportRequest, TemplateInfo, TemplateMetadata } from '../../provider.js';
import { expectAll, expectImsError } from '../expect.js';
import type { ConformanceSettings } from '../options.js';
import type { ConformanceCheck, ConformanceState, NotApplicable } from '../state.js';

const NO_TEMPLATE_DIR: NotApplicable = { notApplicable: 'the fixture has no templateDir to import' };

async function listedTemplates(provider: Provider): Promise<TemplateInfo[]> {
  const templates = await provider.listTemplates();
  assert.ok(Array.isArray(templates), 'listTemplates() did not return an array');
  for (const template of templates) {
    assert.equal(typeof template.name, 'string', 'listTemplates() gave an entry without a name');
    if (template.sizeBytes !== undefined) {
      assert.ok(
        template.sizeBytes >= 0,
        `listTemplates(): ${template.name} has sizeBytes ${template.sizeBytes}`,
      );
    }
  }
  return templates;
}

async function isListed(provider: Provider, name: string): Promise<boolean> {
  return (await listedTemplates(provider)).some((template) => template.name === name);
}

/** The import request the host would make: the directory plus its parsed `template.json`, if any. */
async function importRequest(name: string, directory: string): Promise<TemplateImportRequest> {
  let text: string;
  try {
    text = await readFile(join(directory, 'template.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { name, directory };
    throw error;
  }
  return { name, directory, metadata: JSON.parse(text) as TemplateMetadata };
}

/** Template list, import, duplicate import and delete. */
export function templateChecks(settings: ConformanceSettings): ConformanceCheck[] {
  const deleteUnsupported = (state: ConformanceState) => !state.capabilities.templateDelete;
  return [
    {
      id: 'template-listed',
      title: "listTemplates() lists the fixture's template",
      timeoutMs: settings.operationMs,
      async run({ fixture }) {
        assert.ok(
          await isListed(fixture.provider, fixture.template),
          `listTemplates() does not list the fixture's template ${fixture.template}`,
        );
        return undefined;
      },
    },
    {
      id: 'template-import',
      title:
        "importTemplate() imports the fixture's templateDir under a new name and listTemplates() lists it",
      timeoutMs: settings.operationMs * 2,
      async run({ fixture, names }) {
        if (fixture.templateDir === undefined) return NO_TEMPLATE_DIR;
        const info = await fixture.provider.importTemplate(
          await importRequest(names.importedTemplate, fixture.templateDir),
        );
        assert.equal(info.name, names.importedTemplate, 'importTemplate() returned another name');
        assert.ok(
          await isListed(fixture.provider, names.importedTemplate),
          `listTemplates() does not list ${names.importedTemplate} after its import`,
        );
        return undefined;
      },
    },
    {
      id: 'template-import-duplicate',
      title: 'importTemplate() under a name already taken fails with IMS_ALREADY_EXISTS',
      timeoutMs: settings.operationMs,
      async run({ fixture, names }) {
        const { templateDir } = fixture;
        if (templateDir === undefined) return NO_TEMPLATE_DIR;
        const request = await importRequest(names.importedTemplate, templateDir);
        await expectImsError(`importTemplate(${names.importedTemplate}) again`, ['IMS_ALREADY_EXISTS'], () =>
          fixture.provider.importTemplate(request),
        );
        return undefined;
      },
    },
    {
      id: 'template-delete',
      title:
        'deleteTemplate() removes the imported template from listTemplates() (IMS_OPERATION_UNSUPPORTED without templateDelete)',
      timeoutMs: settings.operationMs * 2,
      async run(state) {
        const { fixture, names } = state;
        if (fixture.templateDir === undefined) return NO_TEMPLATE_DIR;
        const remove = () => fixture.provider.deleteTemplate(names.importedTemplate);
        if (deleteUnsupported(state)) {
          await expectImsError(
            'deleteTemplate() without templateDelete',
            ['IMS_OPERATION_UNSUPPORTED'],
            remove,
          );
          return undefined;
        }
        await remove();
        assert.ok(
          !(await isListed(fixture.provider, names.importedTemplate)),
          `listTemplates() still lists ${names.importedTemplate} after deleteTemplate()`,
        );
        return undefined;
      },
    },
    {
      id: 'template-delete-missing',
      title:
        'deleteTemplate() of a missing template fails with IMS_TEMPLATE_NOT_FOUND (IMS_OPERATION_UNSUPPORTED without templateDelete)',
      timeoutMs: settings.operationMs * 2,
      async run(state) {
        const { fixture, names } = state;
        const code = deleteUnsupported(state) ? 'IMS_OPERATION_UNSUPPORTED' : 'IMS_TEMPLATE_NOT_FOUND';
        // The deleted import is missing now too, when there was one to delete.
        const missing = [names.missingTemplate];
        if (fixture.templateDir !== undefined && !deleteUnsupported(state))
          missing.push(names.importedTemplate);
        await expectAll(
          missing.map(
            (name) => () =>
              expectImsError(`deleteTemplate(${name})`, [code], () => fixture.provider.deleteTemplate(name)),
          ),
        );
        return undefined;
      },
    },
  ];
}
